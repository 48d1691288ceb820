"""Entry point of the ``stigmer`` console script: parse, dispatch, turn failures into one line."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import traceback
from collections.abc import Sequence

import grpc
from stigmer_devstack import BinaryNotFoundError, StackError

from stigmer_cli import __version__
from stigmer_cli.cli_parser import Parser, add_debug
from stigmer_cli.commands import (
    apply,
    cancel,
    config,
    dev,
    emit,
    get,
    graph,
    list_,
    pause,
    rerun,
    run,
    schedule,
    signal_,
    validate,
    watch,
)
from stigmer_cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, CliError, rpc_failure
from stigmer_cli.exit_guard import exit_within

_EXAMPLES = """examples:
  stigmer run -f examples/hello.yaml            run a workflow (starts a local stack if needed)
  stigmer dev                                   keep a local stack running in the foreground
  stigmer run -f examples/hello.yaml -o json    machine-readable result
  stigmer list --phase failed                   what went wrong lately
  stigmer config set-context prod --endpoint stigmer.example.com:443 --api-key-file prod.key --tls
                                                a server with a key and TLS, for every command
"""


def build_parser() -> Parser:
    """The parser of every command."""
    parser = Parser(
        prog="stigmer",
        description="Run Serverless Workflow DSL 1.0 workflows on Stigmer (Temporal + gRPC).",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"stigmer {__version__}")
    add_debug(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in (
        run,
        dev,
        apply,
        get,
        list_,
        watch,
        signal_,
        emit,
        pause,
        rerun,
        cancel,
        schedule,
        validate,
        graph,
        config,
    ):
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run one command and exit with its status, within a few seconds of its end."""
    code = execute(argv)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken pipe: nothing to save
            stream.flush()
    exit_within(code)
    raise SystemExit(code)


def execute(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status instead of exiting."""
    # SIGTERM unwinds like Ctrl-C so that an embedded stack is always stopped; SIGINT is
    # re-armed because a shell starting us in the background hands it down ignored.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    debug = bool(getattr(args, "debug", False))
    try:
        code: int = args.func(args)
        return code
    except CliError as err:
        _report(err.message, debug)
        return err.exit_code
    except grpc.RpcError as err:
        failure = rpc_failure(err)
        _report(failure.message, debug)
        return failure.exit_code
    except (StackError, BinaryNotFoundError) as err:
        _report(str(err) if debug else str(err).splitlines()[0], debug)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _report(message: str, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    print(f"stigmer: error: {message}", file=sys.stderr)


if __name__ == "__main__":
    main()
