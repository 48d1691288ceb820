"""What the benchmark runs against: the Stigmer stack, the HTTP stub and the baseline worker."""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stigmer_devstack import Stack, StackConfig
from stigmer_devstack.config import TemporalStore


@dataclass(frozen=True)
class Target:
    """Endpoints and processes of one benchmark run.

    Attributes:
        endpoint: stigmer-server gRPC ``host:port``.
        temporal: Temporal frontend ``host:port`` (the same dev server serves the baseline).
        namespace: Temporal namespace.
        stub_url: Base URL of the loopback HTTP stub.
        baseline_queue: Task queue of the baseline worker.
        server_pid: stigmer-server pid (``None`` when not known: external stack).
        runner_pid: workflow-runner pid (``None`` when not known).
        baseline_pid: Baseline worker pid.
        temporal_store: Where the own stack's Temporal dev server keeps its state (``file``,
            ``memory``); ``None`` for an external stack.
    """

    endpoint: str
    temporal: str
    namespace: str
    stub_url: str
    baseline_queue: str
    server_pid: int | None
    runner_pid: int | None
    baseline_pid: int
    temporal_store: TemporalStore | None = None


def _spawn(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=None, text=True
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@contextlib.contextmanager
def helpers(temporal: str, namespace: str) -> Iterator[tuple[str, str, int]]:
    """Start the HTTP stub and the baseline worker; yield ``(stub_url, queue, worker_pid)``.

    Args:
        temporal: Temporal frontend ``host:port``.
        namespace: Temporal namespace.
    """
    stub = _spawn([sys.executable, "-m", "stigmer_bench.stub"])
    worker: subprocess.Popen[str] | None = None
    try:
        assert stub.stdout is not None
        port = int(stub.stdout.readline().strip())
        queue = f"bench-baseline-{uuid.uuid4().hex[:8]}"
        worker = _spawn(
            [sys.executable, "-m", "stigmer_bench.baseline_worker", temporal, queue, namespace]
        )
        assert worker.stdout is not None
        if not worker.stdout.readline():
            raise RuntimeError(f"baseline worker exited with status {worker.wait()}")
        yield f"http://127.0.0.1:{port}", queue, worker.pid
    finally:
        if worker is not None:
            _stop(worker)
        _stop(stub)


@contextlib.contextmanager
def own_stack(
    data_dir: Path | None = None, temporal_store: TemporalStore = "file"
) -> Iterator[Target]:
    """Start an embedded stack on free ports (``stigmer_devstack``) plus the helpers.

    Args:
        data_dir: Where the stack keeps its files and logs; a temporary directory when ``None``.
        temporal_store: Where its Temporal dev server keeps its state.
    """
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        # WARNING: per-request INFO logs would be measured too; production runs at INFO, see
        # docs/performance.md.
        config = dataclasses.replace(
            StackConfig.ephemeral(data_dir), log_level="WARNING", temporal_store=temporal_store
        )
        services = Stack(config)
        endpoints = stack.enter_context(services)
        pids = {p.name: p.pid for p in services.processes}
        stub_url, queue, worker_pid = stack.enter_context(
            helpers(endpoints.temporal, config.namespace)
        )
        yield Target(
            endpoint=endpoints.grpc,
            temporal=endpoints.temporal,
            namespace=config.namespace,
            stub_url=stub_url,
            baseline_queue=queue,
            server_pid=pids.get("server"),
            runner_pid=pids.get("runner"),
            baseline_pid=worker_pid,
            temporal_store=temporal_store,
        )


@contextlib.contextmanager
def external(
    endpoint: str,
    temporal: str,
    namespace: str = "default",
    server_pid: int | None = None,
    runner_pid: int | None = None,
) -> Iterator[Target]:
    """Use a running stack; only the helpers are started.

    Args:
        endpoint: stigmer-server gRPC ``host:port``.
        temporal: The Temporal frontend the stack uses.
        namespace: Temporal namespace.
        server_pid: stigmer-server pid, for the memory scenario.
        runner_pid: workflow-runner pid, for the memory scenario.
    """
    with helpers(temporal, namespace) as (stub_url, queue, worker_pid):
        yield Target(
            endpoint=endpoint,
            temporal=temporal,
            namespace=namespace,
            stub_url=stub_url,
            baseline_queue=queue,
            server_pid=server_pid,
            runner_pid=runner_pid,
            baseline_pid=worker_pid,
        )
