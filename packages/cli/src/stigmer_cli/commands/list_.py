"""``stigmer list``: executions, optionally of one phase or one workflow."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient, metadata
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.errors import UsageError
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView, parse_phase
from stigmer_cli.render.text_output import executions_table


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "list",
        summary="list executions",
        example="stigmer list --phase failed --workflow hello",
    )
    parser.add_argument(
        "--phase", help="pending, in_progress, paused, completed, failed or cancelled"
    )
    parser.add_argument(
        "--revision", default="", help="only executions of this pinned Workflow revision (sha256)"
    )
    parser.add_argument("--workflow", metavar="W", help="workflow id (wfl-...) or name")
    parser.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    try:
        phase = parse_phase(args.phase) if args.phase else None
    except ValueError as err:
        raise UsageError(f"--phase: {err}") from None
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    if args.revision and args.workflow:
        raise UsageError("--revision: a revision names its workflow; leave out --workflow")
    with StigmerClient(require_server(connection_from(args))) as client:
        workflow_id = args.workflow
        if workflow_id and not workflow_id.startswith("wfl-"):
            workflow_id = metadata(client.workflow_by_name(workflow_id)).id
        found = client.list_executions(
            phase=phase, workflow_id=workflow_id, limit=args.limit, revision=args.revision
        )
    views = [ExecutionView.of(e) for e in found]
    if args.output == "json":
        print(dumps([execution_json(v) for v in views]))
    else:
        print(executions_table(views))
    return 0
