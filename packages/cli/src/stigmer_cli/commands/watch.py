"""``stigmer watch``: follow an existing execution live."""

from __future__ import annotations

import argparse
import sys

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.errors import EXIT_INTERRUPTED
from stigmer_cli.follow import follow
from stigmer_cli.full_output import with_full_output
from stigmer_cli.outcome import exit_code_for, pick_view, print_result


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "watch",
        summary="follow an execution live until it ends (Ctrl-C stops watching, not the run)",
        example="stigmer watch wex-01j9zq4v6m8n2p3r5s7t9v1x3z",
    )
    parser.add_argument("id", help="execution id (wex-...)")
    add_connection(parser)
    add_output(parser)
    parser.add_argument("--timeout", type=float, metavar="S", help="give up after S seconds")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    with StigmerClient(require_server(connection_from(args))) as client:
        view = None if args.output == "json" else pick_view(sys.stderr)
        try:
            final = follow(client, args.id, view, args.timeout)
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        final = with_full_output(client, final)
    print_result(final, args.output)
    return exit_code_for(final)
