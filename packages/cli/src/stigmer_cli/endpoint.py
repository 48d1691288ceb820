"""Which stigmer-server to talk to: --endpoint, $STIGMER_ENDPOINT, the default, or an embedded stack."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from stigmer_devstack import Stack, StackConfig

from stigmer_cli.errors import CliError

DEFAULT_ENDPOINT = "localhost:7234"
ENDPOINT_ENV = "STIGMER_ENDPOINT"


def configured_endpoint(explicit: str | None) -> str | None:
    """The endpoint the user asked for (--endpoint, then $STIGMER_ENDPOINT), if any."""
    return explicit or os.environ.get(ENDPOINT_ENV) or None


def is_listening(endpoint: str, timeout: float = 0.3) -> bool:
    """Return whether something accepts TCP connections at ``host:port``."""
    import socket

    host, _, port = endpoint.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout):
            return True
    except (OSError, ValueError):
        return False


def require_endpoint(explicit: str | None) -> str:
    """The server endpoint for commands that never start a stack.

    Raises:
        CliError: Nothing listens at the default endpoint and none was given.
    """
    endpoint = configured_endpoint(explicit)
    if endpoint is not None:
        return endpoint
    if not is_listening(DEFAULT_ENDPOINT):
        raise CliError(
            f"no Stigmer server at {DEFAULT_ENDPOINT}: start one with `stigmer dev` "
            "or pass --endpoint HOST:PORT"
        )
    return DEFAULT_ENDPOINT


@contextlib.contextmanager
def endpoint_or_embedded_stack(explicit: str | None, *, quiet: bool) -> Iterator[str]:
    """Yield the server endpoint, starting an embedded stack for the block when needed.

    Without --endpoint (or $STIGMER_ENDPOINT) and with nothing listening on
    ``localhost:7234``, a stack on free ports in a temporary directory runs for the block.

    Args:
        explicit: The --endpoint value.
        quiet: Do not announce the embedded stack on stderr.
    """
    endpoint = configured_endpoint(explicit)
    if endpoint is not None or is_listening(DEFAULT_ENDPOINT):
        yield endpoint or DEFAULT_ENDPOINT
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
                    f"stack ready in {time.monotonic() - started:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
            yield endpoints.grpc
