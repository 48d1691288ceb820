"""Names shared with other Temporal workers: they are the cross-language contract."""

from __future__ import annotations

from stigmer_protos import temporal_names

WORKFLOW_TYPE = "stigmer/workflow-execution/invoke"
"""Type of the orchestration workflow, registered on the stigmer task queue."""

EXECUTE_WORKFLOW_ACTIVITY = temporal_names.EXECUTE_WORKFLOW_ACTIVITY
"""Activity implemented by workflow-runner on the runner queue; never registered here."""

UPDATE_STATUS_ACTIVITY = temporal_names.UPDATE_STATUS_ACTIVITY
"""Local activity implemented and registered here, under exactly the name it is called by."""

MEMO_ACTIVITY_TASK_QUEUE = "activityTaskQueue"
"""Memo key carrying the runner task queue, so routing needs no redeploy of this worker."""

MEMO_TIMEOUTS = "stigmerTimeouts"
"""Memo key carrying the activity timeouts in seconds (absent for workflows started elsewhere)."""

DEFAULT_STIGMER_TASK_QUEUE = "workflow_execution_stigmer"
DEFAULT_RUNNER_TASK_QUEUE = "workflow_execution_runner"


def workflow_id(execution_id: str) -> str:
    """Return the Temporal workflow id of an execution: one workflow per execution, ever."""
    return f"{WORKFLOW_TYPE}/{execution_id}"
