"""Subscribe streams that finish or are cancelled leave no ERROR in stigmer-server's log.

Tracing is on (as in ``test_tracing.py``). Each execution is followed by one subscriber that
reads to the end and by two that cancel: one after the first state, one on the terminal state
(racing the server's own end of the stream). Every subscribe still yields a SERVER span,
parented on the client's span.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from stigmer_devstack.ports import free_port
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_testing.services import stop_process, wait_grpc_serving
from workflow_runner.converter import dsl_to_workflow_spec

pytestmark = pytest.mark.e2e

SUBSCRIBE = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/subscribe"
EXECUTIONS = 16
TERMINAL = {
    wex.ExecutionPhase.EXECUTION_COMPLETED,
    wex.ExecutionPhase.EXECUTION_FAILED,
    wex.ExecutionPhase.EXECUTION_CANCELLED,
}


@dataclass(frozen=True)
class Server:
    endpoint: str
    log: Path
    spans: Path


@pytest.fixture(scope="module")
def server(
    redis_url: str, temporal_address: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """stigmer-server (logging INFO to a file, spans to a file) and workflow-runner."""
    out = tmp_path_factory.mktemp("clean-logs")
    port = free_port()
    run = uuid.uuid4().hex[:8]
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    base.update(
        {
            "GRPC_PORT": str(port),
            "GRPC_HOST": "127.0.0.1",
            "REDIS_URL": redis_url,
            "STIGMER_REDIS_KEY_PREFIX": f"clean-{run}",
            "TEMPORAL_HOST_PORT": temporal_address,
            "TEMPORAL_WORKFLOW_EXECUTION_STIGMER_TASK_QUEUE": f"stigmer-{run}",
            "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE": f"runner-{run}",
            "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE": f"zigflow-{run}",
            "STIGMER_BACKEND_ENDPOINT": f"127.0.0.1:{port}",
            "LOG_LEVEL": "INFO",
        }
    )
    log, spans = out / "server.log", out / "server.spans.jsonl"
    with open(log, "wb") as sink, open(out / "runner.log", "wb") as runner_sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "stigmer_server.main"],
            env={**base, "STIGMER_OTEL_SPANS_FILE": str(spans)},
            stdout=sink,
            stderr=sink,
        )
        runner = subprocess.Popen(
            [sys.executable, "-m", "workflow_runner.main"],
            env=base,
            stdout=runner_sink,
            stderr=runner_sink,
        )
        try:
            wait_grpc_serving(base["STIGMER_BACKEND_ENDPOINT"], server)
            yield Server(base["STIGMER_BACKEND_ENDPOINT"], log, spans)
        finally:
            stop_process(runner)
            stop_process(server)


def _metadata(name: str) -> ar.ApiResourceMetadata:
    return ar.ApiResourceMetadata(
        name=name, org="e2e", owner_scope=ar.ApiResourceOwnerScope.organization
    )


async def test_finished_and_cancelled_subscribes_log_no_error(server: Server) -> None:
    name = f"clean-{uuid.uuid4().hex[:6]}"
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": [{f"step{i}": {"set": {"i": i}}} for i in range(3)],
    }
    tracer = TracerProvider().get_tracer("e2e")
    client_spans: list[str] = []
    outcomes: list[str] = []

    async with grpc.aio.insecure_channel(server.endpoint) as channel:
        workflow = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
            wf.Workflow(
                metadata=_metadata(name), spec=dsl_to_workflow_spec(yaml.safe_dump(document))
            )
        )
        create = wex_cmd.WorkflowExecutionCommandControllerStub(channel).create
        subscribe = wex_qry.WorkflowExecutionQueryControllerStub(channel).subscribe

        async def follow(execution_id: str, cancel_after: str) -> None:
            with tracer.start_as_current_span("client subscribe", kind=SpanKind.CLIENT) as span:
                carrier: dict[str, str] = {}
                TraceContextTextMapPropagator().inject(carrier)
                client_spans.append(format(span.get_span_context().span_id, "016x"))
                call = subscribe(
                    wex.SubscribeWorkflowExecutionRequest(execution_id=execution_id),
                    metadata=tuple(carrier.items()),
                )
                async for update in call:
                    terminal = update.status.phase in TERMINAL
                    if cancel_after == "first" or (cancel_after == "terminal" and terminal):
                        call.cancel()
                        outcomes.append(cancel_after)
                        return
                outcomes.append("end")

        async def one(i: int) -> None:
            created = await create(
                wex.WorkflowExecution(
                    metadata=_metadata(f"run-{name}-{i}"),
                    spec=wex.WorkflowExecutionSpec(workflow_id=workflow.metadata.id),
                )
            )
            eid = created.metadata.id
            await asyncio.gather(*(follow(eid, how) for how in ("end", "first", "terminal")))

        async with asyncio.timeout(180):
            await asyncio.gather(*(one(i) for i in range(EXECUTIONS)))

    count = 3 * EXECUTIONS
    assert sorted(set(outcomes)) == ["end", "first", "terminal"] and len(outcomes) == count

    def subscribe_spans() -> list[dict[str, Any]]:
        rows = [json.loads(line) for line in server.spans.read_text().splitlines() if line]
        return [s for s in rows if s["name"] == SUBSCRIBE and s["kind"] == "SERVER"]

    for _ in range(75):  # a span ends when its stream is closed, just after the client's end
        if len(subscribe_spans()) >= count:
            break
        await asyncio.sleep(0.2)
    assert {s["parent_span_id"] for s in subscribe_spans()} == set(client_spans)

    lines = server.log.read_text(errors="replace").splitlines()
    bad = [
        line
        for line in lines
        if not line.startswith("{") or json.loads(line)["level"] in ("ERROR", "CRITICAL")
    ]
    assert not bad, "\n".join(bad[:10])
    rpc = [json.loads(line) for line in lines if '"msg": "rpc"' in line]
    assert sum(1 for entry in rpc if entry["method"] == SUBSCRIBE) == count
