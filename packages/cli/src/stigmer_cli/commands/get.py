"""``stigmer get``: show one execution (or workflow)."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.full_output import with_full_output
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView
from stigmer_cli.render.text_output import execution_text


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "get",
        summary="show an execution (wex-...) or a workflow (wfl-...)",
        example="stigmer get wex-01j9zq4v6m8n2p3r5s7t9v1x3z",
    )
    parser.add_argument("id", help="execution id (wex-...) or workflow id (wfl-...)")
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    with StigmerClient(require_server(connection_from(args))) as client:
        if args.id.startswith("wfl-"):
            workflow = client.get_workflow(args.id)
            print(dumps(workflow.to_dict()))
            return 0
        view = with_full_output(client, ExecutionView.of(client.get_execution(args.id)))
    print(dumps(execution_json(view)) if args.output == "json" else execution_text(view))
    return 0
