"""``stigmer signal``: deliver an event to a running execution (for ``listen`` tasks)."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.cloud_events import add_event_flags, event_from
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "signal",
        summary="send a CloudEvent to a running execution's listen tasks",
        example="stigmer signal wex-01j9zq4v6m8n2p3r5s7t9v1x3z --type com.example.approval "
        "--data '{\"approved\": true}'",
    )
    parser.add_argument("id", help="execution id (wex-...)")
    add_event_flags(parser)
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    event = event_from(args)
    with StigmerClient(require_server(connection_from(args))) as client:
        view = ExecutionView.of(client.signal(args.id, event))
    if args.output == "json":
        print(dumps(execution_json(view)))
    else:
        print(f"{view.id} {view.phase} (event {args.type} delivered)")
    return 0
