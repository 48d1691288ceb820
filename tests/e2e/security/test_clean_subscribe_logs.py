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
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_testing.executions import apply_workflow, create_execution
from stigmer_testing.stack import run_services, service_env, without_otel

pytestmark = pytest.mark.e2e

SUBSCRIBE = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/subscribe"
EXECUTIONS = 16


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
    env = service_env(redis_url, temporal_address, "clean", "INFO", base=without_otel(os.environ))
    with run_services(env, out, spans=True) as services:
        yield Server(services.endpoint, out / "server.log", out / "server.spans.jsonl")


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
        workflow = await apply_workflow(
            channel, name, dsl_to_workflow_spec(yaml.safe_dump(document))
        )
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
                    terminal = update.status.phase in TERMINAL_PHASES
                    if cancel_after == "first" or (cancel_after == "terminal" and terminal):
                        call.cancel()
                        outcomes.append(cancel_after)
                        return
                outcomes.append("end")

        async def one(i: int) -> None:
            created = await create_execution(channel, workflow.metadata.id, f"run-{name}-{i}")
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
