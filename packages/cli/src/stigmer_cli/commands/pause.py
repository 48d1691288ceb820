"""``stigmer pause`` and ``stigmer resume``: hold a running execution between two tasks."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView

_COMMANDS = {
    "pause": "pause a running execution: the task in progress finishes, no other starts",
    "resume": "resume a paused execution",
}


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add both commands."""
    for name, summary in _COMMANDS.items():
        parser = command_parser(
            sub,
            name,
            summary=summary,
            example=f"stigmer {name} wex-01j9zq4v6m8n2p3r5s7t9v1x3z --reason 'supplier outage'",
        )
        parser.add_argument("id", help="execution id (wex-...)")
        parser.add_argument("--reason", default=f"{name}d with the stigmer CLI")
        add_connection(parser)
        add_output(parser)
        parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    paused = args.command == "pause"
    with StigmerClient(require_server(connection_from(args))) as client:
        view = ExecutionView.of(client.set_paused(args.id, paused, args.reason))
    if args.output == "json":
        print(dumps(execution_json(view)))
    else:
        print(f"{view.id} {view.phase}")
    return 0
