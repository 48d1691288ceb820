"""``stigmer rerun``: run an ended execution again from one of its top-level tasks."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.inputs import parse_input
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "rerun",
        summary="re-run an ended execution from a top-level task, skipping the ones before it",
        example="stigmer rerun wex-01j9zq4v6m8n2p3r5s7t9v1x3z --from /do/2/charge "
        "--input @patched.json",
    )
    parser.add_argument("id", help="execution id (wex-...) of an ended execution")
    parser.add_argument(
        "--from", dest="from_task", required=True, help="the task's pointer, e.g. /do/2/charge"
    )
    parser.add_argument(
        "--input", help="the task's input instead of the recorded one: a JSON object or @file"
    )
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; prints the new execution's id (``watch`` follows it)."""
    patched = parse_input(args.input)
    with StigmerClient(require_server(connection_from(args))) as client:
        view = ExecutionView.of(client.rerun(args.id, args.from_task, patched))
    if args.output == "json":
        print(dumps(execution_json(view)))
    else:
        print(view.id)
    return 0
