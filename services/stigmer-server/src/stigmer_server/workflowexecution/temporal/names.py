"""Names of the server's orchestration workflow (the names other workers share are in
:mod:`stigmer_protos.temporal_names`)."""

from __future__ import annotations

WORKFLOW_TYPE = "stigmer/workflow-execution/invoke"
"""Type of the orchestration workflow, registered on the stigmer task queue."""

MEMO_ACTIVITY_TASK_QUEUE = "activityTaskQueue"
"""Memo key carrying the runner task queue, so routing needs no redeploy of this worker."""

MEMO_TIMEOUTS = "stigmerTimeouts"
"""Memo key carrying the activity timeouts in seconds (absent for workflows started elsewhere)."""


def workflow_id(execution_id: str) -> str:
    """Return the Temporal workflow id of an execution: one workflow per execution, ever."""
    return f"{WORKFLOW_TYPE}/{execution_id}"
