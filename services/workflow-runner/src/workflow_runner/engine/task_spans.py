"""One OpenTelemetry span per finished DSL task, replay-safe.

The spans are the ones ``temporalio.contrib.opentelemetry.workflow.completed_span`` makes (no
span during replay, parented under the workflow's trace, start = end = workflow time, the
workflow and run ids as attributes), made for less: ``completed_span`` serialises the current
context into a carrier and the tracing interceptor parses it back for every span, which was
about half of a pure task's ~0.25 ms of span cost (docs/adr/0041-runner-per-task-overhead.md).
:class:`TaskSpans` resolves the interceptor's tracer and the parent context once per workflow
run and then only starts and ends each span. Attributes carry identities and outcomes only:
never task input, output or error text (they may hold data).
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import opentelemetry.context
    import opentelemetry.trace
    from temporalio.contrib.opentelemetry import TracingInterceptor
    from temporalio.contrib.opentelemetry import workflow as otel_workflow
    from temporalio.contrib.opentelemetry._interceptor import TracingWorkflowInboundInterceptor

from workflow_runner.engine.contract import TaskProgress

_COMPLETED_SPAN_EXTERN = "__temporal_opentelemetry_completed_span"
"""The extern function through which the tracing interceptor makes ``completed_span``'s spans."""


def tracing_enabled() -> bool:
    """True when the worker runs the tracing interceptor (otherwise no span is made).

    ``completed_span`` would fall back to a non-replay-safe span and warn without it.
    """
    return TracingWorkflowInboundInterceptor._from_context() is not None


class _Target:
    """Where one run's task spans go: the interceptor's tracer under the workflow's context."""

    def __init__(
        self,
        tracer: opentelemetry.trace.Tracer,
        parent: opentelemetry.context.Context,
        attributes: dict[str, Any],
    ) -> None:
        self.tracer = tracer
        self.parent = parent
        self.attributes = attributes


def _resolve() -> _Target | None:
    """The current run's span target; None when no span is made (no tracing, or no parent
    span and the interceptor does not make orphan spans)."""
    interceptor = TracingWorkflowInboundInterceptor._from_context()
    if interceptor is None:
        return None
    extern = interceptor._extern_functions.get(_COMPLETED_SPAN_EXTERN)
    root = getattr(extern, "__self__", None)
    if not isinstance(root, TracingInterceptor):
        raise LookupError("the tracing interceptor's span function is not where it was")
    missing = opentelemetry.trace.get_current_span() is opentelemetry.trace.INVALID_SPAN
    if missing and not root._always_create_workflow_spans:
        return None
    carrier: dict[str, str] = {}
    interceptor.text_map_propagator.inject(carrier)
    info = workflow.info()
    return _Target(
        root.tracer,
        root.text_map_propagator.extract(carrier),
        {"temporalWorkflowID": info.workflow_id, "temporalRunID": info.run_id},
    )


class TaskSpans:
    """Makes the task spans of one workflow run."""

    def __init__(self, execution_id: str) -> None:
        """Spans of the run of ``execution_id``; ``attributes`` (workflow name and version) are
        set once the document is loaded."""
        self.execution_id = execution_id
        self.attributes: dict[str, str] = {}
        self._target: _Target | None = None
        self._resolved = False
        self._fallback = False

    def record(self, row: TaskProgress) -> None:
        """Record the span of a task that just ended (``row`` holds its final state)."""
        if workflow.unsafe.is_replaying():
            return
        if not self._resolved:
            try:
                self._target = _resolve()
            except (LookupError, AttributeError):
                # Another temporalio layout: one completed_span per task, as before.
                self._fallback = tracing_enabled()
            self._resolved = True
        name = f"Task:{row.task_kind or 'task'}"
        attributes: dict[str, Any] = {
            "stigmer.task.pointer": row.task_id,
            "stigmer.task.name": row.task_name,
            "stigmer.task.kind": row.task_kind,
            "stigmer.task.outcome": row.status.lower(),
            "stigmer.execution_id": self.execution_id,
            **self.attributes,
        }
        if self._fallback:
            otel_workflow.completed_span(name, attributes=attributes)
            return
        target = self._target
        if target is None:
            return
        moment = workflow.time_ns()
        span = target.tracer.start_span(
            name,
            target.parent,
            attributes={**target.attributes, **attributes},
            start_time=moment,
            kind=opentelemetry.trace.SpanKind.INTERNAL,
        )
        span.end(end_time=moment)
