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


def add_connection(parser: argparse.ArgumentParser) -> None:
    """The server and credential flags: --endpoint, --context, --api-key(-file), TLS.

    Each one overrides its environment variable, which overrides the selected context of the
    config file (``stigmer config --help``).
    """
    group = parser.add_argument_group(
        "connection",
        "each flag overrides its environment variable, which overrides the context's setting",
    )
    group.add_argument(
        "--endpoint",
        metavar="HOST:PORT",
        help="stigmer-server gRPC endpoint ($STIGMER_ENDPOINT; default localhost:7234)",
    )
    group.add_argument(
        "--context",
        metavar="NAME",
        help="use this context of the config file ($STIGMER_CONTEXT; default: the current one)",
    )
    group.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key sent as a bearer token ($STIGMER_API_KEY); visible to other local "
        "users in the process list: prefer --api-key-file",
    )
    group.add_argument(
        "--api-key-file",
        metavar="FILE",
        help="file holding the API key ($STIGMER_API_KEY_FILE)",
    )
    group.add_argument(
        "--tls",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="use TLS ($STIGMER_TLS; implied by --ca and --cert)",
    )
    group.add_argument(
        "--ca",
        metavar="FILE",
        help="PEM CA certificates to verify the server ($STIGMER_TLS_CA_FILE)",
    )
    group.add_argument(
        "--cert", metavar="FILE", help="PEM client certificate for mTLS ($STIGMER_TLS_CERT_FILE)"
    )
    group.add_argument(
        "--key", metavar="FILE", help="private key of --cert ($STIGMER_TLS_KEY_FILE)"
    )
    group.add_argument(
        "--tls-server-name",
        metavar="NAME",
        help="name to check the server certificate against ($STIGMER_TLS_SERVER_NAME)",
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
