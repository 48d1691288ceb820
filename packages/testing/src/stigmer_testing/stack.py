"""Both services as subprocesses for end-to-end tests: their environment, start and stop."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from stigmer_devstack.ports import free_port
from stigmer_devstack.secrets_key import KEYS_SETTING, new_secrets_key

from stigmer_testing.services import stop_process, wait_grpc_serving

SERVICES = (("server", "stigmer_server.main"), ("runner", "workflow_runner.main"))


def service_env(
    redis_url: str,
    temporal_address: str,
    prefix: str,
    log_level: str = "WARNING",
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment shared by both services, on a free port and fresh queues.

    Args:
        redis_url: The Redis both services use.
        temporal_address: The Temporal frontend.
        prefix: Starts the Redis key prefix (a random run id follows) and names the
            fresh secrets key.
        log_level: The services' ``LOG_LEVEL``.
        base: The inherited environment (default: this process's).
    """
    port = free_port()
    run = uuid.uuid4().hex[:8]
    return {
        **(os.environ if base is None else base),
        "GRPC_PORT": str(port),
        "GRPC_HOST": "127.0.0.1",
        "REDIS_URL": redis_url,
        "STIGMER_REDIS_KEY_PREFIX": f"{prefix}-{run}",
        "STIGMER_PAYLOAD_STORAGE": "redis",
        "TEMPORAL_HOST_PORT": temporal_address,
        "TEMPORAL_WORKFLOW_EXECUTION_STIGMER_TASK_QUEUE": f"stigmer-{run}",
        "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE": f"runner-{run}",
        "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE": f"zigflow-{run}",
        "STIGMER_BACKEND_ENDPOINT": f"127.0.0.1:{port}",
        "LOG_LEVEL": log_level,
        KEYS_SETTING: new_secrets_key(prefix),
    }


def without_otel(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without ``OTEL_*`` settings (so the services export to files only)."""
    return {k: v for k, v in environ.items() if not k.startswith("OTEL_")}


@dataclass(frozen=True)
class Services:
    """Running services: the server's endpoint, their files' directory and processes."""

    endpoint: str
    dir: Path | None
    server: subprocess.Popen[bytes]
    runner: subprocess.Popen[bytes]


@contextmanager
def run_services(
    env: Mapping[str, str],
    out: Path | None = None,
    spans: bool = False,
    metrics: bool = False,
    timeout: float = 120.0,
    credentials: grpc.ChannelCredentials | None = None,
) -> Iterator[Services]:
    """Start stigmer-server and workflow-runner with ``env``; stop both on exit.

    Args:
        env: Both services' environment (see :func:`service_env`).
        out: When set, each service writes its output to ``out/<server|runner>.log``.
        spans: Each service also writes spans to ``out/<name>.spans.jsonl``.
        metrics: Each service also writes metrics to ``out/<name>.metrics.jsonl``.
        timeout: How long the server may take to serve.
        credentials: TLS credentials to check the server's health with, when it serves TLS.

    Yields:
        The services, once the server is SERVING.
    """
    procs: list[subprocess.Popen[bytes]] = []
    with ExitStack() as files:
        try:
            for name, module in SERVICES:
                own = dict(env)
                sink = None
                if out is not None:
                    if spans:
                        own["STIGMER_OTEL_SPANS_FILE"] = str(out / f"{name}.spans.jsonl")
                    if metrics:
                        own["STIGMER_OTEL_METRICS_FILE"] = str(out / f"{name}.metrics.jsonl")
                    sink = files.enter_context((out / f"{name}.log").open("wb"))
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", module], env=own, stdout=sink, stderr=sink
                    )
                )
            server, runner = procs
            endpoint = env["STIGMER_BACKEND_ENDPOINT"]
            wait_grpc_serving(endpoint, server, timeout, credentials)
            yield Services(endpoint, out, server, runner)
        finally:
            for proc in reversed(procs):
                stop_process(proc)
