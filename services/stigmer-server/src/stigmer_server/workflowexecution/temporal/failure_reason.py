"""Readable reasons for the ways the ExecuteWorkflow activity can fail (pure, workflow-safe)."""

from __future__ import annotations

from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    TimeoutError,
    TimeoutType,
)

from stigmer_server.workflowexecution.temporal.config import ActivityTimeouts


def _seconds(value: float) -> str:
    return f"{value:g}s"


def describe_activity_failure(err: ActivityError, queue: str, timeouts: ActivityTimeouts) -> str:
    """Turn an ExecuteWorkflow activity failure into one line a user can act on.

    Args:
        err: The failure raised by ``execute_activity``.
        queue: The runner task queue the activity was scheduled on.
        timeouts: The bounds it was scheduled with.
    """
    cause = err.cause
    if isinstance(cause, TimeoutError):
        if cause.type == TimeoutType.SCHEDULE_TO_START:
            return (
                f"no workflow-runner polled queue {queue} within "
                f"{_seconds(timeouts.schedule_to_start.total_seconds())}"
            )
        if cause.type == TimeoutType.HEARTBEAT:
            return (
                f"the workflow-runner on queue {queue} stopped heartbeating for "
                f"{_seconds(timeouts.heartbeat.total_seconds())} (it may have crashed)"
            )
        if cause.type in (TimeoutType.START_TO_CLOSE, TimeoutType.SCHEDULE_TO_CLOSE):
            return (
                "the execution did not finish within "
                f"{_seconds(timeouts.start_to_close.total_seconds())}"
            )
        return f"the workflow-runner timed out ({cause.type})"
    if isinstance(cause, ApplicationError):
        return f"workflow-runner failed: {cause.message}"
    if isinstance(cause, CancelledError):
        return "the execution was cancelled"
    return f"workflow-runner failed: {cause or err}"
