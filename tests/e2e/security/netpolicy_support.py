"""Helpers of the network-policy and file-resource e2e tests: services with their own settings,
recording HTTP stubs, and running a DSL document to its end through the gRPC API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import yaml
from stigmer_devstack.ports import free_port
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_testing.services import stop_process, wait_grpc_serving

Phase = wex.ExecutionPhase


@contextmanager
def own_services(service_env: dict[str, str], settings: dict[str, str]) -> Iterator[str]:
    """stigmer-server and workflow-runner with ``settings`` added, on their own port, Redis
    prefix and task queues (so the session's runner never takes their work); yields the
    server endpoint."""
    port = free_port()
    run = uuid.uuid4().hex[:8]
    env = {
        **service_env,
        **settings,
        "GRPC_PORT": str(port),
        "STIGMER_BACKEND_ENDPOINT": f"127.0.0.1:{port}",
        "STIGMER_REDIS_KEY_PREFIX": f"e2e-sec-{run}",
        "TEMPORAL_WORKFLOW_EXECUTION_STIGMER_TASK_QUEUE": f"stigmer-{run}",
        "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE": f"runner-{run}",
        "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE": f"zigflow-{run}",
    }
    server = subprocess.Popen([sys.executable, "-m", "stigmer_server.main"], env=env)
    runner = subprocess.Popen([sys.executable, "-m", "workflow_runner.main"], env=env)
    try:
        wait_grpc_serving(env["STIGMER_BACKEND_ENDPOINT"], server, timeout=120)
        yield env["STIGMER_BACKEND_ENDPOINT"]
    finally:
        stop_process(runner)
        stop_process(server)


@dataclass
class Stub:
    """A loopback HTTP server recording each request's path and headers.

    ``routes`` maps a path to ``(status, headers, body)`` (a string body is sent as text, other
    values as JSON); other paths answer 404.
    """

    host: str = "127.0.0.1"
    routes: dict[str, tuple[int, dict[str, str], Any]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve(stub: Stub) -> Iterator[Stub]:
    """Run ``stub`` on a free port until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stub.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            status, headers, body = stub.routes.get(self.path, (404, {}, {"error": "no route"}))
            text = isinstance(body, str)
            raw = body.encode() if text else json.dumps(body).encode()
            self.send_response(status)
            kind = "text/plain" if text else "application/json"
            for name, value in {"Content-Type": kind, **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((stub.host, 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def document(name: str, tasks: list[dict[str, Any]], use: dict[str, Any] | None = None) -> str:
    """A DSL document (YAML) with a unique name."""
    doc: dict[str, Any] = {
        "document": {
            "dsl": "1.0.0",
            "namespace": "e2e",
            "name": f"{name}-{uuid.uuid4().hex[:6]}",
            "version": "1.0.0",
        },
        **({"use": use} if use else {}),
        "do": tasks,
    }
    return yaml.safe_dump(doc)


async def run(
    endpoint: str, text: str, secrets: dict[str, str] | None = None
) -> wex.WorkflowExecution:
    """Apply the document, start an execution and follow it with subscribe to its end."""
    name = yaml.safe_load(text)["document"]["name"]
    metadata = {"org": "e2e", "owner_scope": ar.ApiResourceOwnerScope.organization}
    async with grpc.aio.insecure_channel(endpoint) as channel:
        workflow = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
            wf.Workflow(
                metadata=ar.ApiResourceMetadata(name=name, **metadata),
                spec=dsl_to_workflow_spec(text),
            )
        )
        created = await wex_cmd.WorkflowExecutionCommandControllerStub(channel).create(
            wex.WorkflowExecution(
                metadata=ar.ApiResourceMetadata(name=f"run-{name}", **metadata),
                spec=wex.WorkflowExecutionSpec(
                    workflow_id=workflow.metadata.id,
                    runtime_env={
                        k: ExecutionValue(value=v, is_secret=True)
                        for k, v in (secrets or {}).items()
                    },
                ),
            )
        )
        last = None
        stream = wex_qry.WorkflowExecutionQueryControllerStub(channel).subscribe(
            wex.SubscribeWorkflowExecutionRequest(execution_id=created.metadata.id)
        )
        async with asyncio.timeout(90):
            async for update in stream:
                last = update
    assert last is not None and last.status.phase in TERMINAL_PHASES, "no terminal phase"
    return last
