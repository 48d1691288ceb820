"""argparse, adjusted: usage errors are one line and exit 2; shared options."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from stigmer_cli.errors import EXIT_USAGE


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``<prog>: error: <message> (see <prog> --help)`` and exit 2."""
        print(f"{self.prog}: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def add_debug(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """--debug, accepted before or after the command name."""
    parser.add_argument(
        "--debug",
        action="store_true",
        # On subcommands a default would overwrite a --debug given before the command name.
        default=False if top_level else argparse.SUPPRESS,
        help="show tracebacks and the embedded stack's logs",
    )


def add_endpoint(parser: argparse.ArgumentParser) -> None:
    """--endpoint HOST:PORT."""
    parser.add_argument(
        "--endpoint",
        metavar="HOST:PORT",
        help="stigmer-server gRPC endpoint (default: $STIGMER_ENDPOINT, else localhost:7234)",
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    """--output text|json."""
    parser.add_argument(
        "-o",
        "--output",
        choices=("text", "json"),
        default="text",
        help="text for people (default), json for programs",
    )


def command_parser(
    sub: argparse._SubParsersAction[Parser], name: str, *, summary: str, example: str
) -> Parser:
    """A subcommand parser whose help ends with an example."""
    parser = sub.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_debug(parser, top_level=False)
    return parser
