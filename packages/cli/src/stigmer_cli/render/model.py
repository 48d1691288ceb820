"""Plain values extracted from execution messages, shared by every view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_protos.json_values import from_fields, whole_numbers


def phase_name(phase: wex.ExecutionPhase | int) -> str:
    """``COMPLETED`` for ``EXECUTION_COMPLETED``, ``UNSPECIFIED`` for 0."""
    name = wex.ExecutionPhase(int(phase)).name or "UNSPECIFIED"
    return name.removeprefix("EXECUTION_PHASE_").removeprefix("EXECUTION_")


def parse_phase(text: str) -> wex.ExecutionPhase:
    """The phase named ``text`` (``completed``, ``EXECUTION_COMPLETED`` ...).

    Raises:
        ValueError: Unknown name.
    """
    wanted = text.strip().upper().removeprefix("EXECUTION_")
    for phase in wex.ExecutionPhase:
        if phase != 0 and phase_name(phase) == wanted:
            return phase
    known = ", ".join(phase_name(p).lower() for p in wex.ExecutionPhase if p != 0)
    raise ValueError(f"unknown phase {text!r} (one of {known})")


def plain_json(value: Any) -> Any:
    """``value`` with integral floats as ints: a Struct holds every number as a double."""
    return whole_numbers(value)


def _struct(value: Any) -> Any:
    return plain_json(value.to_dict()) if value is not None else None


def _json(struct: Any, value: Any) -> Any:
    """The JSON value of a ``(Struct, Value)`` field pair (any JSON type; ``None`` when unset)."""
    return plain_json(from_fields(struct, value))


def _status_name(status: wex.WorkflowTaskStatus | int) -> str:
    name = wex.WorkflowTaskStatus(int(status)).name or "UNSPECIFIED"
    return name.removeprefix("WORKFLOW_TASK_STATUS_").removeprefix("WORKFLOW_TASK_")


def _instant(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def seconds_between(start: str, end: str | None, now: datetime) -> float | None:
    """Seconds from ISO instant ``start`` to ``end`` (or ``now`` when unset)."""
    began = _instant(start)
    if began is None:
        return None
    finished = _instant(end or "") or now
    if finished.tzinfo is None or began.tzinfo is None:
        finished, began = finished.replace(tzinfo=None), began.replace(tzinfo=None)
    return max(0.0, (finished - began).total_seconds())


def format_seconds(value: float | None) -> str:
    """``12ms``, ``1.4s``, ``2m05s``; empty when unknown."""
    if value is None:
        return ""
    if value < 1:
        return f"{value * 1000:.0f}ms"
    if value < 60:
        return f"{value:.1f}s"
    minutes, secs = divmod(int(value), 60)
    return f"{minutes}m{secs:02d}s"


@dataclass(frozen=True)
class TaskRow:
    """One task of an execution, as shown.

    Attributes:
        task_id: Its JSON pointer (plus iteration index), unique in the execution.
        name: The task's name.
        kind: DSL kind (``set``, ``call.http`` ...) or the coarse task type.
        status: ``IN_PROGRESS``, ``COMPLETED``, ``FAILED``, ``SKIPPED`` ...
        started_at: ISO-8601 instant or empty.
        completed_at: ISO-8601 instant or empty.
        error: Error text of a failed task.
        output: Task output (any JSON value), when reported.
        children: The subflow executions the task started (``run: workflow``).
    """

    task_id: str
    name: str
    kind: str
    status: str
    started_at: str
    completed_at: str
    error: str
    output: Any
    children: tuple[str, ...] = ()

    @classmethod
    def of(cls, task: wex.WorkflowTask) -> TaskRow:
        """Extract the row of a runtime task."""
        meta = task.metadata.to_dict() if task.metadata is not None else {}
        kind = str(meta.get("kind") or "")
        if not kind:
            kind = (
                (wex.WorkflowTaskType(int(task.task_type)).name or "")
                .removeprefix("WORKFLOW_TASK_")
                .lower()
            )
        return cls(
            task_id=task.task_id,
            name=task.task_name or task.task_id,
            kind=kind,
            status=_status_name(task.status),
            started_at=task.started_at,
            completed_at=task.completed_at,
            error=task.error,
            output=_json(task.output, task.output_value),
            children=tuple(str(c) for c in meta.get("child_execution_ids") or ()),
        )

    def seconds(self, now: datetime) -> float | None:
        """Duration so far (running) or in total (finished)."""
        return seconds_between(self.started_at, self.completed_at or None, now)


@dataclass(frozen=True)
class ExecutionView:
    """An execution, as shown.

    Attributes:
        id: Execution id.
        workflow_id: The workflow it runs.
        phase: ``PENDING``, ``IN_PROGRESS``, ``COMPLETED``, ``FAILED``, ``CANCELLED``.
        terminal: Whether the phase is final.
        output: Final output (any JSON value; ``None`` also when not reported).
        error: Error text of a failed execution.
        error_details: RFC 7807 error object, when reported.
        started_at: ISO-8601 instant or empty.
        completed_at: ISO-8601 instant or empty.
        tasks: Tasks in reported order.
        output_reference: The path the output is held by reference under (fetch it with
            ``getValue``, ADR 0033), or "" when ``output`` is the output itself.
        parent_id: The execution whose ``run: workflow`` task started this one, or "".
        revision: The Workflow revision it runs (SHA-256 of the copy pinned at create), or "".
        rerun_of: The execution this one re-runs (``stigmer rerun``), or "".
        reruns: The executions that re-run this one.
    """

    id: str
    workflow_id: str
    phase: str
    terminal: bool
    output: Any
    error: str
    error_details: Any
    started_at: str
    completed_at: str
    tasks: tuple[TaskRow, ...]
    output_reference: str = ""
    parent_id: str = ""
    revision: str = ""
    rerun_of: str = ""
    reruns: tuple[str, ...] = ()

    @property
    def children(self) -> tuple[str, ...]:
        """The subflow executions its tasks started, in task order."""
        return tuple(child for task in self.tasks for child in task.children)

    @classmethod
    def of(cls, execution: wex.WorkflowExecution) -> ExecutionView:
        """Extract the view of an execution message."""
        status = execution.status or wex.WorkflowExecutionStatus()
        spec = execution.spec or wex.WorkflowExecutionSpec()
        return cls(
            id=execution.metadata.id if execution.metadata else "",
            workflow_id=spec.workflow_id,
            phase=phase_name(status.phase),
            terminal=status.phase in TERMINAL_PHASES,
            output=_json(status.output, status.output_value),
            error=status.error,
            error_details=_struct(status.error_details),
            started_at=status.started_at,
            completed_at=status.completed_at,
            tasks=tuple(TaskRow.of(t) for t in status.tasks),
            output_reference=status.output_reference.path if status.output_reference else "",
            parent_id=spec.parent_execution_id,
            revision=spec.workflow_reference.sha256 if spec.workflow_reference else "",
            rerun_of=spec.rerun_of,
            reruns=tuple(status.rerun_execution_ids),
        )

    def seconds(self, now: datetime) -> float | None:
        """Duration so far or in total."""
        return seconds_between(self.started_at, self.completed_at or None, now)
