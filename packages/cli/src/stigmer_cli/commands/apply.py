"""``stigmer apply``: create or update a workflow from a file."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient, metadata
from stigmer_cli.connection import connection_from
from stigmer_cli.documents import read_workflow_file, to_workflow
from stigmer_cli.endpoint import require_server
from stigmer_cli.render.json_output import dumps


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "apply",
        summary="create or update a workflow (by name, in org 'local') from a file",
        example="stigmer apply -f examples/hello.yaml",
    )
    parser.add_argument("-f", "--file", required=True, help="DSL workflow (or Workflow resource)")
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    workflow = to_workflow(read_workflow_file(args.file))
    with StigmerClient(require_server(connection_from(args))) as client:
        applied = client.apply_workflow(workflow)
    md = metadata(applied)
    if args.output == "json":
        print(dumps({"id": md.id, "name": md.name, "slug": md.slug, "org": md.org}))
    else:
        print(f"workflow {md.name} applied: {md.id}")
    return 0
