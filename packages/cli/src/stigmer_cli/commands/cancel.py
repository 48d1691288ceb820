"""``stigmer cancel`` and ``stigmer terminate``: end a running execution."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView

_COMMANDS = {  # name: (summary, example reason, default reason)
    "cancel": (
        "cancel a running execution (the task in progress is cancelled)",
        "wrong input",
        "cancelled with the stigmer CLI",
    ),
    "terminate": (
        "end an execution at once, without cleanup (when cancel cannot end it)",
        "worker stuck",
        "terminated with the stigmer CLI",
    ),
}


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add both commands."""
    for name, (summary, reason, default) in _COMMANDS.items():
        parser = command_parser(
            sub,
            name,
            summary=summary,
            example=f"stigmer {name} wex-01j9zq4v6m8n2p3r5s7t9v1x3z --reason '{reason}'",
        )
        parser.add_argument("id", help="execution id (wex-...)")
        parser.add_argument("--reason", default=default)
        add_connection(parser)
        add_output(parser)
        parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    with StigmerClient(require_server(connection_from(args))) as client:
        end = client.terminate if args.command == "terminate" else client.cancel
        view = ExecutionView.of(end(args.id, args.reason))
    if args.output == "json":
        print(dumps(execution_json(view)))
    elif args.command == "terminate":
        print(f"{view.id} {view.phase}")
    else:
        print(f"{view.id} {view.phase} (cancellation requested)")
    return 0
