"""``stigmer emit``: publish a CloudEvent to the event ingress (``listen`` tasks, ``schedule.on``)."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.cloud_events import add_event_flags, event_from
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.render.json_output import dumps


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "emit",
        summary="publish a CloudEvent: it reaches every waiting listen task and schedule.on "
        "workflow it matches",
        example="stigmer emit --type com.example.approval.v1 --id r-42-1 "
        '--data \'{"request": "r-42", "approved": true}\'',
    )
    add_event_flags(parser)
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    event = event_from(args)
    with StigmerClient(require_server(connection_from(args))) as client:
        accepted, duplicates = client.publish([event])
    if args.output == "json":
        print(dumps({"accepted": accepted, "duplicates": duplicates}))
    elif accepted:
        print(f"{event['id']} accepted")
    else:
        print(f"{event['id']} duplicate (this source and id were accepted before)")
    return 0
