"""Helpers for tests that run stigmer-server / workflow-runner as plain subprocesses."""

from __future__ import annotations

import subprocess
import time

import grpc
from stigmer_devstack.health import grpc_serving
from stigmer_devstack.redis_server import stop_pid


def wait_grpc_serving(
    endpoint: str,
    proc: subprocess.Popen[bytes],
    timeout: float = 120.0,
    credentials: grpc.ChannelCredentials | None = None,
) -> None:
    """Wait until the gRPC health service at ``endpoint`` is SERVING.

    The bound is generous: on a loaded two-core machine a cold start can take over 30 s, and
    a process that dies is noticed at once anyway. ``credentials``: the TLS credentials of a
    server that serves TLS.

    Raises:
        RuntimeError: ``proc`` exited first.
        TimeoutError: Not SERVING within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server process exited with {proc.returncode}")
        try:
            if grpc_serving(endpoint, credentials=credentials):
                return
        except Exception:  # not listening yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{endpoint} not SERVING within {timeout}s")


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Stop a service subprocess: SIGTERM (graceful drain), SIGKILL after ``timeout``."""
    if proc.poll() is None:
        stop_pid(proc.pid, timeout)
    proc.wait()
