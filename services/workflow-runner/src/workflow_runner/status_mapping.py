"""Translate engine progress and results into ``WorkflowExecutionStatus`` messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stigmer_protos import c_runtime, limits, wire
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.temporal import json_message_payload
from temporalio.common import RawValue

from workflow_runner.engine import ProgressBatch, TaskProgress
from workflow_runner.task_types import task_type_for

_TASK_STATUS = {
    "IN_PROGRESS": wex.WorkflowTaskStatus.WORKFLOW_TASK_IN_PROGRESS,
    "COMPLETED": wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED,
    "FAILED": wex.WorkflowTaskStatus.WORKFLOW_TASK_FAILED,
    "SKIPPED": wex.WorkflowTaskStatus.WORKFLOW_TASK_SKIPPED,
}


_WITH_OUTPUT = frozenset({"COMPLETED", "SKIPPED"})
"""Row statuses whose ``output`` is the task's output (``None`` there is JSON null)."""


_ROW = c_runtime.message_class(wex.WorkflowTask)


def encode_task_row(row: TaskProgress) -> bytes:
    """Encode one engine progress row as a runtime ``WorkflowTask``.

    Input and output may be any JSON value: an object goes in ``input`` / ``output``, anything
    else in ``input_value`` / ``output_value`` (the rule of
    :func:`~stigmer_protos.json_values.to_fields`). A started row has an input, a COMPLETED or
    SKIPPED row an output, even when it is null. Built in the C runtime: a chain of pure tasks
    encodes one row per task (:mod:`stigmer_protos.c_runtime`).
    """
    task = _ROW(
        task_id=row.task_id,
        task_name=row.task_name,
        task_type=int(task_type_for(row.task_kind)),
        status=int(_TASK_STATUS[row.status]),
        started_at=row.started_at or "",
        completed_at=row.completed_at or "",
        error=row.error or "",
    )
    task.metadata.update({"kind": row.task_kind})  # type: ignore[attr-defined]
    if row.children:
        task.metadata.update({"child_execution_ids": row.children})  # type: ignore[attr-defined]
    if row.listen is not None:
        task.metadata.update({"listen": row.listen})  # type: ignore[attr-defined]
    if row.context is not None:
        task.metadata.update({"context": row.context})  # type: ignore[attr-defined]
    if row.started_at:
        c_runtime.write_json(task, "input", "input_value", row.input)
    if row.status in _WITH_OUTPUT:
        c_runtime.write_json(task, "output", "output_value", row.output)
    return task.SerializeToString()


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
        row = wire.length_delimited(_TASKS, encode_task_row(progress))
        if rows and size + len(row) > max_bytes:
            parts.append(b"".join(rows))
            rows, size = [], 0
        rows.append(row)
        size += len(row)
    if rows:
        parts.append(b"".join(rows))
    return parts


def completed_payload(output: Any) -> RawValue:
    """The terminal status of a successful run, as the ``json/protobuf`` payload it encodes to.

    Built without the message: a ``Struct`` holds an object as the object itself in proto3
    JSON, and a ``Value`` any JSON value as itself, so the output is written as it is, in
    milliseconds, where building the pure-Python message for a large output would cost
    seconds (ADR 0033). An object goes in ``output``, any other value in ``output_value``.
    """
    field = "output" if isinstance(output, Mapping) else "outputValue"
    return RawValue(
        json_message_payload(
            wex.WorkflowExecutionStatus,
            {"phase": wex.ExecutionPhase.EXECUTION_COMPLETED.name, field: output},
        )
    )


def failed_status(error: str, details: dict[str, Any] | None = None) -> wex.WorkflowExecutionStatus:
    """The terminal status of a failed run, with the RFC 7807 error object when known."""
    return wex.WorkflowExecutionStatus(
        phase=wex.ExecutionPhase.EXECUTION_FAILED,
        error=error,
        error_details=wkt.Struct.from_dict(details) if details else None,
    )
