"""Readiness checks for the processes of the stack."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stigmer_devstack.errors import StackError
from stigmer_devstack.processes import ManagedProcess

_POLL_S = 0.1


def wait_until(
    check: Callable[[], bool], *, what: str, proc: ManagedProcess, timeout: float
) -> None:
    """Poll ``check`` until it is true, failing fast if ``proc`` exits meanwhile.

    Args:
        check: Returns true once ready; exceptions count as not ready.
        what: Description used in the error message.
        proc: The process whose readiness is checked.
        timeout: Seconds before giving up.

    Raises:
        StackError: The process exited, or it was not ready in time; with its log tail.
    """
    deadline = time.monotonic() + timeout
    while True:
        if not proc.alive():
            raise StackError(
                f"{proc.name} exited with status {proc.returncode} before {what}; "
                f"log {proc.log_path}:\n{proc.tail()}"
            )
        try:
            if check():
                return
        except Exception:  # not ready yet, whatever the reason
            pass
        if time.monotonic() > deadline:
            raise StackError(
                f"{proc.name}: {what} did not happen within {timeout:.0f}s; "
                f"log {proc.log_path}:\n{proc.tail()}"
            )
        time.sleep(_POLL_S)


def grpc_serving(
    target: str, service: str = "", credentials: grpc.ChannelCredentials | None = None
) -> bool:
    """Return whether the gRPC health service at ``target`` reports SERVING for ``service``.

    Args:
        target: ``host:port``.
        service: The health service name ("" for the server as a whole).
        credentials: TLS credentials when the server serves TLS; plaintext otherwise.
    """
    channel = (
        grpc.insecure_channel(target)
        if credentials is None
        else grpc.secure_channel(target, credentials)
    )
    with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1.0)
        serving: bool = reply.status == health_pb2.HealthCheckResponse.SERVING
        return serving


def temporal_serving(temporal_bin: Path, address: str) -> bool:
    """Return whether ``temporal operator cluster health`` reports SERVING at ``address``."""
    done = subprocess.run(
        [str(temporal_bin), "operator", "cluster", "health", "--address", address],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return done.returncode == 0 and "SERVING" in done.stdout


def has_pollers(temporal_bin: Path, address: str, task_queue: str, namespace: str) -> bool:
    """Return whether some worker polls ``task_queue`` (seen by Temporal)."""
    done = subprocess.run(
        [
            str(temporal_bin),
            "task-queue",
            "describe",
            "--task-queue",
            task_queue,
            "--address",
            address,
            "--namespace",
            namespace,
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    if done.returncode != 0:
        return False
    return bool(json.loads(done.stdout).get("pollers"))
