"""Task spans: one per finished task, the shape ``completed_span`` gives, none on replay."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from stigmer_protos.temporal import sandbox_runner
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import Replayer
from workflow_runner.engine import SANDBOX_PASSTHROUGH, ExecuteServerlessWorkflow, task_spans

from .conftest import run_engine

DOC = """
document: {dsl: '1.0.0', namespace: test, name: spans, version: '1.2.3'}
do:
  - first:
      set: {n: '${ 1 }'}
  - skipped:
      if: '${ false }'
      set: {n: 2}
  - last:
      set: {n: '${ .n + 1 }'}
"""


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


def _interceptor(exporter: InMemorySpanExporter) -> tuple[TracerProvider, TracingInterceptor]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, TracingInterceptor(provider.get_tracer("test"))


def _not_called(*args: object, **kwargs: object) -> None:
    raise AssertionError("completed_span is the fallback only")


def _task_spans(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    spans = [s for s in exporter.get_finished_spans() if s.name.startswith("Task:")]
    assert spans and all(s.attributes is not None for s in spans)
    by_pointer = {str(s.attributes["stigmer.task.pointer"]): s for s in spans if s.attributes}
    assert len(by_pointer) == len(spans), "one span per task"
    return by_pointer


@pytest.mark.parametrize("path", ["direct", "completed_span"])
async def test_one_span_per_task_like_completed_span_and_none_on_replay(
    temporal_client: Client,
    task_queue: str,
    exporter: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    if path == "completed_span":  # the layout is not the expected one: the fallback
        monkeypatch.setattr(task_spans, "_COMPLETED_SPAN_EXTERN", "not-there")
    else:
        monkeypatch.setattr(task_spans.otel_workflow, "completed_span", _not_called)
    provider, interceptor = _interceptor(exporter)
    client = Client(**{**temporal_client.config(), "interceptors": [interceptor]})
    with provider.get_tracer("test").start_as_current_span("caller") as caller:
        run = await run_engine(client, task_queue, DOC)
    assert run.output == {"n": 2}

    spans = _task_spans(exporter)
    assert set(spans) == {"/do/0/first", "/do/1/skipped", "/do/2/last"}
    # The interceptor's own completed span of the run: task spans share its parent and ids.
    (workflow_span,) = [
        s for s in exporter.get_finished_spans() if s.name.startswith("RunWorkflow:")
    ]
    assert workflow_span.attributes is not None
    for pointer, span in spans.items():
        attributes = dict(span.attributes or {})
        assert span.context is not None and caller.get_span_context().trace_id == (
            span.context.trace_id
        )
        assert span.parent == workflow_span.parent
        assert span.start_time == span.end_time
        assert attributes["temporalWorkflowID"] == workflow_span.attributes["temporalWorkflowID"]
        assert attributes["temporalRunID"] == workflow_span.attributes["temporalRunID"]
        assert attributes["stigmer.task.kind"] == "set"
        assert attributes["stigmer.workflow.name"] == "spans"
        assert attributes["stigmer.workflow.version"] == "1.2.3"
        assert str(attributes["stigmer.execution_id"]).startswith("exec-")
        expected = "skipped" if pointer == "/do/1/skipped" else "completed"
        assert attributes["stigmer.task.outcome"] == expected

    exporter.clear()
    history = await client.get_workflow_handle(run.workflow_id).fetch_history()
    replayer = Replayer(
        workflows=[ExecuteServerlessWorkflow],
        interceptors=[interceptor],
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    )
    await replayer.replay_workflow(history)
    assert not [s for s in exporter.get_finished_spans() if s.name.startswith("Task:")]
