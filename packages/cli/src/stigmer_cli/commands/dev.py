"""``stigmer dev``: the embedded stack in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from stigmer_devstack import (
    DEFAULT_EVENTS_PORT,
    DEFAULT_GRPC_PORT,
    DEFAULT_TEMPORAL_PORT,
    DEFAULT_UI_PORT,
    LogSink,
    Stack,
    StackConfig,
)

from stigmer_cli.cli_parser import Parser, command_parser
from stigmer_cli.endpoint import EMBEDDED_NOTE
from stigmer_cli.errors import CliError

_COLORS = {"temporal": "35", "redis": "31", "server": "36", "runner": "32"}


def default_data_dir() -> Path:
    """``$STIGMER_HOME/dev``, else ``~/.stigmer/dev``."""
    home = os.environ.get("STIGMER_HOME")
    return (Path(home) if home else Path.home() / ".stigmer") / "dev"


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "dev",
        summary="run the local stack (Temporal, Redis, stigmer-server, workflow-runner) "
        "in the foreground; Ctrl-C stops it",
        example="stigmer dev --data-dir ./.stigmer",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="state directory (default ~/.stigmer/dev)"
    )
    parser.add_argument("--grpc-port", type=int, default=DEFAULT_GRPC_PORT)
    parser.add_argument(
        "--events-port",
        type=int,
        default=DEFAULT_EVENTS_PORT,
        help="CloudEvents HTTP port (POST /events)",
    )
    parser.add_argument("--temporal-port", type=int, default=DEFAULT_TEMPORAL_PORT)
    parser.add_argument("--ui-port", type=int, default=DEFAULT_UI_PORT)
    parser.add_argument("--redis-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--quiet", action="store_true", help="do not stream the processes' logs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    data_dir: Path = args.data_dir or default_data_dir()
    config = StackConfig(
        data_dir=data_dir,
        grpc_port=args.grpc_port,
        events_port=args.events_port,
        temporal_port=args.temporal_port,
        ui_port=args.ui_port,
        redis_port=args.redis_port,
    )
    stack = Stack(config, log_sink=None if args.quiet else _printer())
    print(f"starting the Stigmer stack in {data_dir} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        endpoints = stack.start()
        print(
            "\n".join(
                [
                    f"Stigmer stack ready in {time.monotonic() - started:.1f}s ({EMBEDDED_NOTE})",
                    f"  stigmer-server  {endpoints.grpc}   (stigmer run --endpoint {endpoints.grpc})",
                    f"  CloudEvents     http://{config.host}:{config.events_port}/events (POST)",
                    f"  Temporal        {endpoints.temporal}",
                    f"  Temporal UI     {endpoints.ui_url or '-'}",
                    f"  Redis           {endpoints.redis_url}",
                    f"  data            {endpoints.data_dir}",
                    "Press Ctrl-C to stop.",
                ]
            ),
            flush=True,
        )
        while True:
            dead = stack.failed()
            if dead is not None:
                raise CliError(
                    f"{dead.name} exited with status {dead.returncode}; see {dead.log_path}"
                )
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping ...", file=sys.stderr, flush=True)
        return 0
    finally:
        stack.stop()
        print("stopped", file=sys.stderr, flush=True)


def _printer() -> LogSink:
    color = sys.stdout.isatty()
    lock = threading.Lock()
    width = max(len(n) for n in _COLORS)

    def sink(name: str, line: str) -> None:
        prefix = f"{name:<{width}} |"
        if color:
            prefix = f"\x1b[{_COLORS.get(name, '0')}m{prefix}\x1b[0m"
        with lock:
            sys.stdout.write(f"{prefix} {line}\n")
            sys.stdout.flush()

    return sink
