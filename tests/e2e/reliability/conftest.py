"""Fixtures of the crash tests: services that a test can SIGKILL and restart, an HTTP stub.

Every test gets its own stigmer-server and workflow-runner subprocesses (own Redis key prefix,
task queues and gRPC port) so that killing them never disturbs another test. The session's Redis
and Temporal dev server are used unless a test starts its own (Temporal and Redis restarts).
Timeouts are shortened through the environment so that a crash is noticed within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pytest
import pytest_asyncio
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc
from stigmer_devstack.binaries import find_temporal
from stigmer_devstack.health import temporal_serving
from stigmer_devstack.ports import free_port, is_listening
from stigmer_devstack.temporal_sqlite import file_store_args
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_protos.temporal import data_converter
from stigmer_testing.stack import service_env as stack_env
from temporalio.client import Client

T = TypeVar("T")

Phase = wex.ExecutionPhase

# Short timeouts so a killed runner is noticed fast. The server's runner heartbeat timeout must
# exceed ExecuteWorkflow's fixed 5 s heartbeat interval (see the report to the lead).
FAST_ENV = {
    "STIGMER_RUNNER_HEARTBEAT_SECONDS": "8",
    "STIGMER_RUNNER_SCHEDULE_TO_START_SECONDS": "60",
    "STIGMER_RUNNER_MAX_ATTEMPTS": "5",
    "STIGMER_SHUTDOWN_GRACE_SECONDS": "2",
    "RUNNER_GRACEFUL_SHUTDOWN_SECONDS": "2",
    "LOG_LEVEL": "WARNING",
    "PYTHONUNBUFFERED": "1",
}


# ---------------------------------------------------------------------------------------------
# HTTP stub


@dataclass
class HttpStub:
    """A loopback HTTP server that counts requests per path.

    Paths starting with ``/slow`` sleep ``slow_seconds`` on their first request only (later
    requests answer at once); ``arrived`` is set when a ``/slow`` request comes in. Every path
    answers 200 with ``{"path": ..., "n": <request number of that path>}``.
    """

    url: str
    counts: Counter[str] = field(default_factory=Counter)
    arrived: threading.Event = field(default_factory=threading.Event)
    slow_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, path: str) -> tuple[int, float]:
        """Count one request; return its number and how long to sleep before answering."""
        with self.lock:
            self.counts[path] += 1
            n = self.counts[path]
        delay = self.slow_seconds if path.startswith("/slow") and n == 1 else 0.0
        if path.startswith("/slow"):
            self.arrived.set()
        return n, delay


def _handler(stub_ref: list[HttpStub]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stub = stub_ref[0]
            path = self.path.split("?")[0]
            n, delay = stub.hit(path)
            if delay:
                time.sleep(delay)
            body = json.dumps({"path": path, "n": n}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the caller died while we slept

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def http_stub() -> Iterator[HttpStub]:
    """A per-test loopback HTTP stub counting requests per path (``/slow*`` is slow once)."""
    ref: list[HttpStub] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    ref.append(HttpStub(url=f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ref[0]
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------------------------------------
# Processes


def _kill(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@dataclass
class TemporalDevServer:
    """A Temporal dev server with a SQLite file that a test can kill and restart on one port."""

    db_file: Path
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``host:port`` of the frontend."""
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart) the server and wait until it reports SERVING."""
        binary = find_temporal()
        args = [
            str(binary),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--headless",
            *file_store_args(self.db_file),
            "--log-level",
            "error",
        ]
        self.proc = _spawn(args, dict(os.environ), self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"temporal exited: {self.log.read_text()[-2000:]}")
            if is_listening(self.port) and temporal_serving(binary, self.address):
                return
            time.sleep(0.3)
        raise TimeoutError(f"temporal not serving on {self.address} within {timeout}s")

    def kill(self) -> None:
        """SIGKILL the server (its SQLite file keeps the state)."""
        _kill(self.proc)


@dataclass
class Services:
    """stigmer-server and workflow-runner subprocesses of one test, restartable on one port.

    Attributes:
        env: The environment both services are started with.
        log_dir: Where ``server.log`` and ``runner.log`` are appended.
        tls_channel: Credentials for the test's own channel when the server serves TLS.
    """

    env: dict[str, str]
    log_dir: Path
    tls_channel: grpc.ChannelCredentials | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    server: subprocess.Popen[bytes] | None = None
    runner: subprocess.Popen[bytes] | None = None
    _channel: grpc.aio.Channel | None = None

    @property
    def endpoint(self) -> str:
        """``host:port`` of stigmer-server."""
        return f"127.0.0.1:{self.env['GRPC_PORT']}"

    def start_server(self, timeout: float = 60.0) -> None:
        """Start stigmer-server and wait until its health service reports SERVING."""
        self.server = _spawn(
            [sys.executable, "-m", "stigmer_server.main"], self.env, self.log_dir / "server.log"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"stigmer-server exited: {self.tail('server')}")
            if self._serving():
                return
            time.sleep(0.2)
        raise TimeoutError(f"stigmer-server not SERVING within {timeout}s: {self.tail('server')}")

    def _serving(self) -> bool:
        if self.tls_channel is not None:
            channel = grpc.secure_channel(self.endpoint, self.tls_channel)
        else:
            channel = grpc.insecure_channel(self.endpoint)
        with channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=1
                )
            except grpc.RpcError:
                return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

    def start_runner(self) -> None:
        """Start workflow-runner (it polls as soon as it has connected to Temporal)."""
        self.runner = _spawn(
            [sys.executable, "-m", "workflow_runner.main"], self.env, self.log_dir / "runner.log"
        )

    def kill_server(self) -> None:
        """SIGKILL stigmer-server."""
        _kill(self.server)

    def kill_runner(self) -> None:
        """SIGKILL workflow-runner."""
        _kill(self.runner)

    def stop_server(self) -> None:
        """SIGTERM stigmer-server and wait for it to exit."""
        _kill(self.server, signal.SIGTERM)

    def stop_runner(self) -> None:
        """SIGTERM workflow-runner (graceful shutdown) and wait for it to exit."""
        _kill(self.runner, signal.SIGTERM)

    def stop(self) -> None:
        """Stop both services (SIGTERM, then SIGKILL)."""
        _kill(self.runner, signal.SIGTERM)
        _kill(self.server, signal.SIGTERM)

    def tail(self, name: str, chars: int = 3000) -> str:
        """The end of ``server.log`` or ``runner.log``."""
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    @property
    def channel(self) -> grpc.aio.Channel:
        """The test's channel to stigmer-server (reconnects by itself after a restart)."""
        if self._channel is None:
            if self.tls_channel is not None:
                self._channel = grpc.aio.secure_channel(self.endpoint, self.tls_channel)
            else:
                self._channel = grpc.aio.insecure_channel(self.endpoint)
        return self._channel

    async def close(self) -> None:
        """Close the test's channel."""
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    async def rpc(self, call: Callable[[], Awaitable[T]], within: float = 60.0) -> T:
        """Run ``call`` until it does not fail with UNAVAILABLE (the server may be restarting)."""
        deadline = time.monotonic() + within
        while True:
            try:
                return await call()
            except grpc.aio.AioRpcError as err:
                if err.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.3)

    async def apply(self, document: dict[str, Any], *, unique: bool = True) -> str:
        """Apply a DSL document (name made unique, unless not ``unique``) as a Workflow; return
        its id."""
        name = document["document"]["name"]
        if unique:
            name = f"{name}-{uuid.uuid4().hex[:6]}"
        document = {**document, "document": {**document["document"], "name": name}}
        stub = wf_cmd.WorkflowCommandControllerStub(self.channel)
        workflow = await self.rpc(
            lambda: stub.apply(
                wf.Workflow(
                    metadata=ar.ApiResourceMetadata(
                        name=name, org="rel", owner_scope=ar.ApiResourceOwnerScope.organization
                    ),
                    spec=dsl_to_workflow_spec(yaml.safe_dump(document)),
                ),
                metadata=self.metadata,
                timeout=10,
            )
        )
        return str(workflow.metadata.id)

    async def get_workflow(self, workflow_id: str) -> wf.Workflow:
        """Fetch a workflow (raises NOT_FOUND if it was lost)."""
        stub = wf_qry.WorkflowQueryControllerStub(self.channel)
        return await self.rpc(
            lambda: stub.get(wf.WorkflowId(value=workflow_id), metadata=self.metadata, timeout=10)
        )

    async def create(self, workflow_id: str) -> str:
        """Create an execution of ``workflow_id``; return its id."""
        stub = wex_cmd.WorkflowExecutionCommandControllerStub(self.channel)
        name = f"run-{uuid.uuid4().hex[:8]}"
        created = await self.rpc(
            lambda: stub.create(
                wex.WorkflowExecution(
                    metadata=ar.ApiResourceMetadata(
                        name=name, org="rel", owner_scope=ar.ApiResourceOwnerScope.organization
                    ),
                    spec=wex.WorkflowExecutionSpec(workflow_id=workflow_id),
                ),
                metadata=self.metadata,
                timeout=20,
            )
        )
        return str(created.metadata.id)

    async def get(self, execution_id: str) -> wex.WorkflowExecution:
        """Fetch an execution."""
        stub = wex_qry.WorkflowExecutionQueryControllerStub(self.channel)
        return await self.rpc(
            lambda: stub.get(
                wex.WorkflowExecutionId(value=execution_id), metadata=self.metadata, timeout=10
            )
        )

    async def wait_for(
        self,
        execution_id: str,
        predicate: Callable[[wex.WorkflowExecution], bool],
        within: float,
        what: str = "condition",
    ) -> wex.WorkflowExecution:
        """Poll the execution until ``predicate`` holds (retrying through server restarts)."""
        deadline = time.monotonic() + within
        last: wex.WorkflowExecution | None = None
        while time.monotonic() < deadline:
            try:
                last = await self.get(execution_id)
            except grpc.aio.AioRpcError:
                last = None
            if last is not None and predicate(last):
                return last
            await asyncio.sleep(0.25)
        status = last.status if last is not None else None
        raise AssertionError(
            f"{what} not reached within {within}s; last status: {status}\n"
            f"runner log:\n{self.tail('runner')}\nserver log:\n{self.tail('server')}"
        )

    async def wait_terminal(self, execution_id: str, within: float) -> wex.WorkflowExecution:
        """Poll the execution until its phase is terminal."""
        return await self.wait_for(
            execution_id,
            lambda e: e.status is not None and e.status.phase in TERMINAL_PHASES,
            within,
            "a terminal phase",
        )

    async def wait_task_started(
        self, execution_id: str, task_id: str, within: float
    ) -> wex.WorkflowExecution:
        """Poll until ``task_id`` shows up in ``status.tasks`` (the engine flushed it)."""
        return await self.wait_for(
            execution_id,
            lambda e: e.status is not None and any(t.task_id == task_id for t in e.status.tasks),
            within,
            f"task {task_id} reported",
        )


def service_env(
    redis_url: str, temporal_address: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of one test's services: unique port, key prefix and task queues."""
    return {**stack_env(redis_url, temporal_address, "rel"), **FAST_ENV, **(extra or {})}


@pytest_asyncio.fixture
async def make_services(tmp_path: Path) -> AsyncIterator[Callable[..., Services]]:
    """A factory of :class:`Services` (not started); everything it made is stopped at the end.

    Call it as ``make_services(redis_url, temporal_address, extra_env=None, tls_channel=None)``.
    """
    made: list[Services] = []

    def make(
        redis_url: str,
        temporal_address: str,
        extra_env: dict[str, str] | None = None,
        tls_channel: grpc.ChannelCredentials | None = None,
        metadata: tuple[tuple[str, str], ...] = (),
    ) -> Services:
        log_dir = tmp_path / f"services-{len(made)}"
        log_dir.mkdir()
        services = Services(
            service_env(redis_url, temporal_address, extra_env),
            log_dir,
            tls_channel=tls_channel,
            metadata=metadata,
        )
        made.append(services)
        return services

    yield make
    for services in made:
        await services.close()
        services.stop()


@pytest_asyncio.fixture
async def services(
    make_services: Callable[..., Services], redis_url: str, temporal_address: str
) -> Services:
    """Both services started on the session's Redis and Temporal; killable and restartable."""
    started = make_services(redis_url, temporal_address)
    started.start_server()
    started.start_runner()
    return started


@pytest.fixture
def temporal_dev(tmp_path: Path) -> Iterator[TemporalDevServer]:
    """A Temporal dev server of this test only (SQLite file), restartable on its port."""
    server = TemporalDevServer(db_file=tmp_path / "temporal.db", log=tmp_path / "temporal.log")
    server.start()
    yield server
    _kill(server.proc, signal.SIGTERM)


async def connect_temporal(address: str) -> Client:
    """A Temporal client with the project's data converter."""
    return await Client.connect(address, data_converter=data_converter())


def doc(name: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """A DSL 1.0 document with ``tasks`` as its top-level ``do``."""
    return {
        "document": {"dsl": "1.0.0", "namespace": "rel", "name": name, "version": "1.0.0"},
        "do": tasks,
    }


def http_get(url: str) -> dict[str, Any]:
    """An ``http`` call task body (GET ``url``)."""
    return {"call": "http", "with": {"method": "get", "endpoint": url}}


def task_ids(execution: wex.WorkflowExecution) -> list[str]:
    """The task ids of ``status.tasks`` in order (duplicates kept)."""
    return [t.task_id for t in (execution.status.tasks if execution.status else [])]


def assert_each_task_once(execution: wex.WorkflowExecution, expected: list[str]) -> None:
    """Every expected task is reported exactly once, and COMPLETED."""
    ids = task_ids(execution)
    assert sorted(ids) == sorted(expected), ids
    assert execution.status is not None
    for task in execution.status.tasks:
        assert task.status == wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED, task
