"""``stigmer cancel``: cancel a running execution."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "cancel",
        summary="cancel a running execution",
        example="stigmer cancel wex-01j9zq4v6m8n2p3r5s7t9v1x3z --reason 'wrong input'",
    )
    parser.add_argument("id", help="execution id (wex-...)")
    parser.add_argument("--reason", default="cancelled with the stigmer CLI")
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    with StigmerClient(require_server(connection_from(args))) as client:
        view = ExecutionView.of(client.cancel(args.id, args.reason))
    if args.output == "json":
        print(dumps(execution_json(view)))
    else:
        print(f"{view.id} {view.phase} (cancellation requested)")
    return 0
