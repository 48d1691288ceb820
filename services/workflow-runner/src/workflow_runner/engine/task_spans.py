"""One OpenTelemetry span per finished DSL task, replay-safe.

Spans are made with ``temporalio.contrib.opentelemetry.workflow.completed_span``, which records
nothing during replay and parents the span under the workflow's trace. Attributes carry
identities and outcomes only: never task input, output or error text (they may hold data).
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.contrib.opentelemetry import workflow as otel_workflow
    from temporalio.contrib.opentelemetry._interceptor import TracingWorkflowInboundInterceptor

from workflow_runner.engine.contract import TaskProgress


def tracing_enabled() -> bool:
    """True when the worker runs the tracing interceptor (otherwise no span is made).

    ``completed_span`` would fall back to a non-replay-safe span and warn without it.
    """
    return TracingWorkflowInboundInterceptor._from_context() is not None


def record_task_span(
    row: TaskProgress, execution_id: str, workflow_attributes: dict[str, str]
) -> None:
    """Record the span of a task that just ended (``row`` holds its final state)."""
    if not tracing_enabled():
        return
    attributes: dict[str, Any] = {
        "stigmer.task.pointer": row.task_id,
        "stigmer.task.name": row.task_name,
        "stigmer.task.kind": row.task_kind,
        "stigmer.task.outcome": row.status.lower(),
        "stigmer.execution_id": execution_id,
        **workflow_attributes,
    }
    otel_workflow.completed_span(f"Task:{row.task_kind or 'task'}", attributes=attributes)
