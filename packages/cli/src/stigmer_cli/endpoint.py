"""Whether a stigmer-server answers, and the embedded stack ``stigmer run`` starts when none does."""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from stigmer_devstack import Stack, StackConfig

from stigmer_cli.connection import DEFAULT_ENDPOINT, Connection
from stigmer_cli.errors import CliError

EMBEDDED_NOTE = "listening on loopback only, no API key needed"


def is_listening(endpoint: str, timeout: float = 0.3) -> bool:
    """Return whether something accepts TCP connections at ``host:port``."""
    import socket

    host, _, port = endpoint.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout):
            return True
    except (OSError, ValueError):
        return False


def require_server(connection: Connection) -> Connection:
    """The connection for commands that never start a stack.

    Raises:
        CliError: Nothing listens at the default endpoint and none was given.
    """
    if connection.endpoint is None and not is_listening(DEFAULT_ENDPOINT):
        raise CliError(
            f"no Stigmer server at {DEFAULT_ENDPOINT}: start one with `stigmer dev` "
            "or pass --endpoint HOST:PORT (or --context NAME)"
        )
    return connection


@contextlib.contextmanager
def server_or_embedded_stack(connection: Connection, *, quiet: bool) -> Iterator[Connection]:
    """Yield the connection, starting an embedded stack for the block when needed.

    Without an endpoint (flag, $STIGMER_ENDPOINT or context) and with nothing listening on
    ``localhost:7234``, a stack on free ports in a temporary directory runs for the block; it
    listens on loopback only and needs no key, so the connection to it is plaintext, keyless.

    Args:
        connection: The resolved connection settings.
        quiet: Do not announce the embedded stack on stderr.
    """
    if connection.endpoint is not None or is_listening(DEFAULT_ENDPOINT):
        yield connection
        return
    with tempfile.TemporaryDirectory(prefix="stigmer-run-") as tmp:
        started = time.monotonic()
        if not quiet:
            print(
                f"no server on {DEFAULT_ENDPOINT}: starting an embedded stack "
                "(Temporal, Redis, stigmer-server, workflow-runner) for this run ...",
                file=sys.stderr,
                flush=True,
            )
        with Stack(StackConfig.ephemeral(Path(tmp))) as endpoints:
            if not quiet:
                print(
                    f"stack ready in {time.monotonic() - started:.1f}s ({EMBEDDED_NOTE})",
                    file=sys.stderr,
                    flush=True,
                )
            yield Connection(endpoint=endpoints.grpc)
