"""Translate engine progress and results into ``WorkflowExecutionStatus`` messages."""

from __future__ import annotations

from typing import Any

from stigmer_protos import limits, wire
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google import protobuf as wkt

from workflow_runner.engine import ProgressBatch, TaskProgress
from workflow_runner.task_types import task_type_for

_TASK_STATUS = {
    "IN_PROGRESS": wex.WorkflowTaskStatus.WORKFLOW_TASK_IN_PROGRESS,
    "COMPLETED": wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED,
    "FAILED": wex.WorkflowTaskStatus.WORKFLOW_TASK_FAILED,
    "SKIPPED": wex.WorkflowTaskStatus.WORKFLOW_TASK_SKIPPED,
}


def to_struct(value: Any) -> wkt.Struct | None:
    """Wrap any JSON value as a Struct: objects as they are, anything else as ``{"value": v}``."""
    if value is None:
        return None
    if isinstance(value, dict):
        return wkt.Struct.from_dict(value)
    return wkt.Struct.from_dict({"value": value})


def task_row(row: TaskProgress) -> wex.WorkflowTask:
    """Convert one engine progress row into a runtime ``WorkflowTask``."""
    return wex.WorkflowTask(
        task_id=row.task_id,
        task_name=row.task_name,
        task_type=task_type_for(row.task_kind),
        status=_TASK_STATUS[row.status],
        started_at=row.started_at or "",
        completed_at=row.completed_at or "",
        input=to_struct(row.input),
        output=to_struct(row.output),
        error=row.error or "",
        metadata=wkt.Struct.from_dict({"kind": row.task_kind}),
    )


MAX_REPORT_BYTES = limits.MAX_REPORT_BYTES
"""Bytes of task rows in one ``updateStatus`` request; a larger batch is sent in parts."""


_TASKS = wire.field_number(wex.WorkflowExecutionStatus, "tasks")


def progress_statuses(batch: ProgressBatch, max_bytes: int = MAX_REPORT_BYTES) -> list[bytes]:
    """The status updates carrying one progress batch, encoded, each at most ``max_bytes``.

    A loop of many iterations can buffer thousands of rows between two flushes; one request
    would pass the server's receive limit. Rows are upserted by ``task_id``, so parts are
    independent and each may be retried. They leave the phase alone: a batch retried after the
    execution ended must not try to move a terminal execution back to IN_PROGRESS. Each row is
    encoded once, to size it and to send it (a part is its rows' fields, framed).
    """
    parts: list[bytes] = []
    rows: list[bytes] = []
    size = 0
    for progress in batch.tasks:
        row = wire.length_delimited(_TASKS, bytes(task_row(progress)))
        if rows and size + len(row) > max_bytes:
            parts.append(b"".join(rows))
            rows, size = [], 0
        rows.append(row)
        size += len(row)
    if rows:
        parts.append(b"".join(rows))
    return parts


def completed_status(output: Any) -> wex.WorkflowExecutionStatus:
    """The terminal status of a successful run."""
    return wex.WorkflowExecutionStatus(
        phase=wex.ExecutionPhase.EXECUTION_COMPLETED, output=to_struct(output) or wkt.Struct()
    )


def failed_status(error: str, details: dict[str, Any] | None = None) -> wex.WorkflowExecutionStatus:
    """The terminal status of a failed run, with the RFC 7807 error object when known."""
    return wex.WorkflowExecutionStatus(
        phase=wex.ExecutionPhase.EXECUTION_FAILED,
        error=error,
        error_details=wkt.Struct.from_dict(details) if details else None,
    )
