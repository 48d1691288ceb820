"""The one rule for merging a status update into an execution's status."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TypeVar

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.contract import TERMINAL_PHASES

from stigmer_server.errors import FailedPreconditionError

Phase = wex.ExecutionPhase
TaskStatus = wex.WorkflowTaskStatus

TERMINAL_TASK_STATUSES = frozenset(
    {
        TaskStatus.WORKFLOW_TASK_COMPLETED,
        TaskStatus.WORKFLOW_TASK_FAILED,
        TaskStatus.WORKFLOW_TASK_SKIPPED,
    }
)

_RANK = {
    Phase.EXECUTION_PHASE_UNSPECIFIED: 0,
    Phase.EXECUTION_PENDING: 1,
    Phase.EXECUTION_IN_PROGRESS: 2,
    Phase.EXECUTION_PAUSED: 2,  # IN_PROGRESS <-> PAUSED, either way
    Phase.EXECUTION_COMPLETED: 3,
    Phase.EXECUTION_FAILED: 3,
    Phase.EXECUTION_CANCELLED: 3,
}


_Message = TypeVar("_Message", wex.WorkflowExecutionStatus, wex.WorkflowTask)

TASK_VALUES = (("input", "input_value"), ("output", "output_value"))
"""A task row's JSON values, each a ``(Struct, Value)`` field pair: an object in the Struct, any
other JSON value in the Value (``stigmer_protos.json_values.to_fields``). A pair is one value."""

OUTPUT_VALUE = ("output", "output_value")
"""The execution's output, a ``(Struct, Value)`` field pair like :data:`TASK_VALUES`."""


def _replace_value(target: _Message, update: _Message, pair: tuple[str, str]) -> None:
    """Set ``target``'s value pair from ``update``'s when the update holds one (either field)."""
    if any(getattr(update, name) is not None for name in pair):
        for name in pair:
            setattr(target, name, getattr(update, name))


class IllegalTransitionError(FailedPreconditionError):
    """The update would move the execution's phase backwards or out of a terminal phase."""


def iso_utc(now: datetime) -> str:
    """Format ``now`` as ISO-8601 UTC with milliseconds, e.g. ``2026-01-02T03:04:05.678Z``."""
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_terminal(phase: wex.ExecutionPhase) -> bool:
    """Whether ``phase`` is COMPLETED, FAILED or CANCELLED."""
    return phase in TERMINAL_PHASES


def _next_phase(current: Phase, update: Phase) -> Phase:
    if update == Phase.EXECUTION_PHASE_UNSPECIFIED or update == current:
        return current
    if current in TERMINAL_PHASES:
        raise IllegalTransitionError(
            f"execution is already {current.name}; cannot move to {update.name}"
        )
    if _RANK[update] < _RANK[current]:
        raise IllegalTransitionError(f"cannot move execution from {current.name} to {update.name}")
    return update


def _copy(message: _Message, *, deep: bool) -> _Message:
    """Copy ``message`` keeping the fields this version does not know.

    betterproto2's copies drop them; a server one version behind would otherwise erase the
    additive fields a newer replica wrote (a lost update during a rolling upgrade).
    """
    copied = copy.deepcopy(message) if deep else copy.copy(message)
    copied._unknown_fields = message._unknown_fields
    return copied


def _merge_task(
    current: wex.WorkflowTask | None, update: wex.WorkflowTask, stamp: str
) -> wex.WorkflowTask:
    # Shallow: values (Structs) are shared with ``current`` and ``update``, never changed in
    # place by the merge, the bounds or the write; only the row's own fields are set here.
    task = (
        _copy(current, deep=False)
        if current is not None
        else wex.WorkflowTask(task_id=update.task_id)
    )
    if update.task_name:
        task.task_name = update.task_name
    if update.task_type != wex.WorkflowTaskType.WORKFLOW_TASK_TYPE_UNSPECIFIED:
        task.task_type = update.task_type
    for pair in TASK_VALUES:
        _replace_value(task, update, pair)
    if update.metadata is not None:
        task.metadata = update.metadata
    if update.error:
        task.error = update.error
    frozen = task.status in TERMINAL_TASK_STATUSES
    if not frozen:
        if update.status != TaskStatus.WORKFLOW_TASK_STATUS_UNSPECIFIED:
            task.status = update.status
        if update.started_at:
            task.started_at = update.started_at
        if update.completed_at:
            task.completed_at = update.completed_at
        if task.status == TaskStatus.WORKFLOW_TASK_IN_PROGRESS and not task.started_at:
            task.started_at = stamp
        if task.status in TERMINAL_TASK_STATUSES and not task.completed_at:
            task.completed_at = stamp
    return task


def merge_status(
    current: wex.WorkflowExecutionStatus,
    update: wex.WorkflowExecutionStatus,
    now: datetime,
) -> wex.WorkflowExecutionStatus:
    """Merge ``update`` into ``current`` and return the result (inputs are not modified; the
    result shares the values, e.g. Structs, of both, which nothing changes in place).

    Rules:
      - ``tasks`` are upserted by ``task_id``: existing tasks keep their position, new ones are
        appended in update order, tasks absent from the update are kept. Set fields of an
        updated task overwrite; a task in COMPLETED/FAILED/SKIPPED keeps its status and
        timestamps (late or replayed reports are ignored for those fields).
      - ``phase`` only moves forward (PENDING -> IN_PROGRESS -> COMPLETED/FAILED/CANCELLED;
        skipping IN_PROGRESS is allowed); UNSPECIFIED means "unchanged"; repeating the current
        phase (also a terminal one) is accepted.
      - ``started_at`` is stamped when the phase enters IN_PROGRESS, ``completed_at`` when it
        enters a terminal phase, unless the caller (or an earlier update) set them.
      - A JSON value held in a ``(Struct, Value)`` pair (a task's ``input`` /
        ``input_value`` and ``output`` / ``output_value``, the execution's ``output`` /
        ``output_value``) is replaced as a whole when the update sets either field of the
        pair, so an object never stays beside a later non-object value; the execution's
        ``output_reference`` goes with its output.
      - ``error_details`` replaces when present; ``error`` and
        ``temporal_workflow_id`` when non-empty. ``audit`` is left to the caller.

    Args:
        current: The stored status.
        update: The caller's partial status.
        now: Time used for the stamps.

    Returns:
        The merged status.

    Raises:
        IllegalTransitionError: The phase would move backwards or leave a terminal phase.
    """
    # A shallow copy with its own task list: untouched tasks and values are shared with
    # ``current`` (never mutated here), changed tasks are copied by ``_merge_task``. Copying
    # the whole status deeply cost more than the rest of an update.
    merged = _copy(current, deep=False)
    merged.tasks = list(current.tasks)
    stamp = iso_utc(now)
    old_phase = current.phase
    merged.phase = _next_phase(old_phase, update.phase)

    positions = {t.task_id: i for i, t in enumerate(merged.tasks)}
    for task in update.tasks:
        at = positions.get(task.task_id)
        if at is None:
            positions[task.task_id] = len(merged.tasks)
            merged.tasks.append(_merge_task(None, task, stamp))
        else:
            merged.tasks[at] = _merge_task(merged.tasks[at], task, stamp)

    if any(getattr(update, name) is not None for name in OUTPUT_VALUE):
        # The reference belongs to the output it stands for (ADR 0033).
        merged.output_reference = update.output_reference
    _replace_value(merged, update, OUTPUT_VALUE)
    if update.error_details is not None:
        merged.error_details = update.error_details
    if update.error:
        merged.error = update.error
    if update.temporal_workflow_id:
        merged.temporal_workflow_id = update.temporal_workflow_id
    if update.started_at:
        merged.started_at = update.started_at
    if update.completed_at:
        merged.completed_at = update.completed_at

    entered = merged.phase != old_phase
    if entered and merged.phase == Phase.EXECUTION_IN_PROGRESS and not merged.started_at:
        merged.started_at = stamp
    if entered and merged.phase in TERMINAL_PHASES and not merged.completed_at:
        merged.completed_at = stamp
    return merged
