"""One trace across both services: client -> stigmer-server -> Redis -> Temporal -> runner ->
interpreter -> gRPC back to the server, read from the JSON-lines span files of both processes
(``STIGMER_OTEL_SPANS_FILE``), plus log correlation, metrics and secret hygiene.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_testing.executions import apply_workflow, create_execution, follow
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.stack import run_services, service_env, without_otel

pytestmark = pytest.mark.e2e

SECRET = f"s3cr3t-{uuid.uuid4().hex}"
WEX_CMD = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController"
ORCHESTRATION = "stigmer/workflow-execution/invoke"


class _Stub(QuietHandler):
    headers_seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).headers_seen.append({k.lower(): v for k, v in self.headers.items()})
        self.reply(200, json.dumps({"id": 1, "name": "Rex"}).encode())


@dataclass(frozen=True)
class Traced:
    endpoint: str
    dir: Path
    server: subprocess.Popen[bytes]
    runner: subprocess.Popen[bytes]

    def spans(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name in ("server.spans.jsonl", "runner.spans.jsonl"):
            path = self.dir / name
            if path.exists():
                out += [json.loads(line) for line in path.read_text().splitlines() if line]
        return out


@pytest.fixture(scope="module")
def traced(
    redis_url: str, temporal_address: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Traced]:
    """Both services with span, metric and log files of their own, on fresh queues."""
    out = tmp_path_factory.mktemp("tracing")
    env = {
        **service_env(redis_url, temporal_address, "trace", "INFO", base=without_otel(os.environ)),
        "OTEL_METRIC_EXPORT_INTERVAL": "500",
    }
    with run_services(env, out, spans=True, metrics=True) as services:
        yield Traced(services.endpoint, out, services.server, services.runner)


@pytest.fixture(scope="module")
def http_stub() -> Iterator[str]:
    with serve_http(_Stub) as url:
        yield url


@dataclass(frozen=True)
class Run:
    execution: wex.WorkflowExecution
    trace_id: str
    client_span_id: str
    spans: list[dict[str, Any]]


@pytest_asyncio.fixture(scope="module")
async def run(traced: Traced, http_stub: str) -> AsyncIterator[Run]:
    """One execution with set, switch, for and an http call, created inside a client span."""
    name = f"traced-{uuid.uuid4().hex[:6]}"
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": [
            {"init": {"set": {"n": "${ .n }", "items": "${ .items }"}}},
            {
                "route": {
                    "switch": [
                        {"many": {"when": "${ .n > 5 }", "then": "loop"}},
                        {"few": {"then": "end"}},
                    ]
                }
            },
            {
                "loop": {
                    "for": {"each": "item", "in": "${ .items }"},
                    "do": [{"double": {"set": {"value": "${ $item * 2 }"}}}],
                }
            },
            {
                "getPet": {
                    "call": "http",
                    "with": {"method": "get", "endpoint": f"{http_stub}/pets/1"},
                }
            },
        ],
    }
    provider = TracerProvider()
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("e2e")
    async with grpc.aio.insecure_channel(traced.endpoint) as channel:
        workflow = await apply_workflow(
            channel, name, dsl_to_workflow_spec(yaml.safe_dump(document))
        )
        with tracer.start_as_current_span("client create", kind=SpanKind.CLIENT) as span:
            carrier: dict[str, str] = {}
            TraceContextTextMapPropagator().inject(carrier)
            created = await create_execution(
                channel,
                workflow.metadata.id,
                f"run-{name}",
                data={"n": 7, "items": [1, 2]},
                secrets={"API_TOKEN": SECRET},
                metadata=tuple(carrier.items()),
            )
            ctx = span.get_span_context()
        final = (await follow(channel, created.metadata.id, within=60))[-1]
    trace_id = format(ctx.trace_id, "032x")
    # The orchestration's last local activity ends after the runner's final report.
    deadline = time.monotonic() + 15
    while True:
        spans = [s for s in traced.spans() if s["trace_id"] == trace_id]
        if any(s["name"] == f"RunWorkflow:{ORCHESTRATION}" for s in spans) and any(
            s["name"] == "RunActivity:UpdateWorkflowExecutionStatus" for s in spans
        ):
            break
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    yield Run(final, trace_id, format(ctx.span_id, "016x"), spans)


def _one(spans: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [s for s in spans if all(s.get(k) == v for k, v in match.items())]
    assert found, f"no span {match}; have {sorted({(s['service'], s['name']) for s in spans})}"
    return found[0]


def _has_ancestor(
    span: dict[str, Any], ancestor: dict[str, Any], by_id: dict[str, dict[str, Any]]
) -> bool:
    parent = span["parent_span_id"]
    while parent in by_id:
        if parent == ancestor["span_id"]:
            return True
        parent = by_id[parent]["parent_span_id"]
    return False


async def test_execution_completes(run: Run) -> None:
    assert run.execution.status.phase == wex.ExecutionPhase.EXECUTION_COMPLETED, (
        run.execution.status.error
    )
    assert run.execution.status.output.to_dict() == {"id": 1, "name": "Rex"}


async def test_one_trace_spans_both_services_with_the_expected_chain(run: Run) -> None:
    spans = run.spans
    by_id = {s["span_id"]: s for s in spans}
    assert {s["service"] for s in spans} == {"stigmer-server", "workflow-runner"}
    eid = run.execution.metadata.id

    create = _one(spans, name=f"{WEX_CMD}/create", kind="SERVER", service="stigmer-server")
    assert create["parent_span_id"] == run.client_span_id

    redis = [s for s in spans if s["attributes"].get("db.system") == "redis"]
    assert any(_has_ancestor(s, create, by_id) for s in redis), "no Redis span under create"

    start = _one(spans, name=f"StartWorkflow:{ORCHESTRATION}", service="stigmer-server")
    assert _has_ancestor(start, create, by_id)
    # TracingInterceptor parents a workflow's own spans (RunWorkflow, StartActivity, ...) on
    # the span that started it: they are siblings, not children of RunWorkflow.
    orchestration = _one(spans, name=f"RunWorkflow:{ORCHESTRATION}")
    assert orchestration["parent_span_id"] == start["span_id"]
    schedule = _one(spans, name="StartActivity:ExecuteWorkflow", service="stigmer-server")
    assert schedule["parent_span_id"] == start["span_id"]
    execute = _one(spans, name="RunActivity:ExecuteWorkflow", service="workflow-runner")
    assert execute["parent_span_id"] == schedule["span_id"]
    assert execute["attributes"].get("stigmer.execution_id") == eid

    # The runner's gRPC calls back to the server, each a child of the runner's client span.
    runner_calls = [
        s
        for s in spans
        if s["service"] == "workflow-runner"
        and s["kind"] == "CLIENT"
        and s["name"].startswith("/ai.stigmer.")
    ]
    assert any(_has_ancestor(s, execute, by_id) for s in runner_calls)
    server_updates = [
        s for s in spans if s["name"] == f"{WEX_CMD}/updateStatus" and s["kind"] == "SERVER"
    ]
    assert server_updates, "no updateStatus reached the server in this trace"
    for update in server_updates:
        parent = by_id[update["parent_span_id"]]
        assert parent["service"] == "workflow-runner" and parent["kind"] == "CLIENT"
        assert _has_ancestor(update, execute, by_id)

    # The interpreter workflow, its http activity and the progress reports.
    interpreter = _one(spans, name="StartWorkflow:ExecuteServerlessWorkflow")
    assert interpreter["parent_span_id"] == execute["span_id"]
    assert (
        _one(spans, name="RunWorkflow:ExecuteServerlessWorkflow")["parent_span_id"]
        == (interpreter["span_id"])
    )
    http = _one(spans, name="RunActivity:ServerlessWorkflowHttpCall", service="workflow-runner")
    assert _has_ancestor(http, interpreter, by_id)
    assert http["attributes"].get("stigmer.execution_id") == eid
    progress = [s for s in spans if s["name"] == "RunActivity:ReportTaskProgress"]
    assert progress and all(_has_ancestor(s, interpreter, by_id) for s in progress)
    assert any(_has_ancestor(u, p, by_id) for u in server_updates for p in progress), (
        "no progress report reached the server's updateStatus"
    )

    # The orchestration writes the final status through its local activity, same trace.
    final_write = _one(spans, name="RunActivity:UpdateWorkflowExecutionStatus")
    assert _has_ancestor(final_write, start, by_id)
    assert final_write["attributes"].get("stigmer.execution_id") == eid


async def test_no_span_and_no_log_line_holds_the_secret(run: Run, traced: Traced) -> None:
    for name in ("server.spans.jsonl", "runner.spans.jsonl"):
        assert SECRET not in (traced.dir / name).read_text()
    for name in ("server.log", "runner.log"):
        assert SECRET not in (traced.dir / name).read_text(errors="replace")


async def test_server_log_lines_carry_trace_and_execution_ids(run: Run, traced: Traced) -> None:
    lines = [
        json.loads(line)
        for line in (traced.dir / "server.log").read_text().splitlines()
        if line.startswith("{")
    ]
    rpc = [entry for entry in lines if entry.get("msg") == "rpc"]
    assert rpc and all("trace_id" in entry and "execution_id" in entry for entry in lines)
    create = [
        e for e in rpc if e["method"] == f"{WEX_CMD}/create" and e["trace_id"] == run.trace_id
    ]
    assert create, "the create RPC's log line lacks the caller's trace id"
    updates = [
        e for e in rpc if e["method"] == f"{WEX_CMD}/updateStatus" and e["trace_id"] == run.trace_id
    ]
    assert updates
    # The runner sends the execution id as baggage; the server never parsed the request for it.
    assert all(e["execution_id"] == run.execution.metadata.id for e in updates)


async def test_server_metrics_count_the_execution(run: Run, traced: Traced) -> None:
    def points(name: str) -> list[dict[str, Any]]:
        path = traced.dir / "server.metrics.jsonl"
        if not path.exists():
            return []
        last = path.read_text().splitlines()[-1:]
        found = []
        for line in last:
            for rm in json.loads(line)["resource_metrics"]:
                for sm in rm["scope_metrics"]:
                    for metric in sm["metrics"]:
                        if metric["name"] == name:
                            found += metric["data"]["data_points"]
        return found

    deadline = time.monotonic() + 10
    while True:
        finished = points("stigmer.executions.finished")
        completed = sum(
            p["value"] for p in finished if p["attributes"].get("stigmer.phase") == "completed"
        )
        if completed >= 1 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    assert completed >= 1
    assert sum(p["value"] for p in points("stigmer.executions.started")) >= 1
    durations = points("stigmer.execution.duration")
    assert durations and durations[0]["count"] >= 1


async def test_one_span_per_dsl_task(run: Run) -> None:
    spans = [s for s in run.spans if s["name"].startswith("Task:")]
    by_pointer = {s["attributes"]["stigmer.task.pointer"]: s for s in spans}
    eid = run.execution.metadata.id
    expected = {"/do/0/init", "/do/1/route", "/do/2/loop"} | {
        f"/do/2/loop/do/0/double[{i}]"
        for i in range(2)  # input items [1, 2]
    }
    assert expected <= set(by_pointer), sorted(by_pointer)
    for pointer in expected:
        span = by_pointer[pointer]
        assert span["trace_id"] == run.trace_id
        assert span["service"] == "workflow-runner"
        assert span["attributes"]["stigmer.execution_id"] == eid
        assert span["attributes"]["stigmer.task.outcome"] == "completed"
        assert span["attributes"]["stigmer.workflow.version"] == "1.0.0"
    assert by_pointer["/do/1/route"]["attributes"]["stigmer.task.kind"] == "switch"


async def test_http_call_carries_the_trace(run: Run) -> None:
    assert any(run.trace_id in headers.get("traceparent", "") for headers in _Stub.headers_seen)
