"""Temporal names both services rely on: the contract between stigmer-server and any runner."""

from __future__ import annotations

INTERPRETER_WORKFLOW_PREFIX = "workflow-exec-"
"""Prefix of the interpreter workflow id, as Stigmer's Go runner names it."""

EVENT_SIGNAL = "event"
"""Signal of the interpreter workflow carrying one CloudEvent (a JSON object) for ``listen``."""

EXECUTE_WORKFLOW_ACTIVITY = "ExecuteWorkflow"
"""Activity implemented by workflow-runner on the runner queue, run by the orchestration."""

UPDATE_STATUS_ACTIVITY = "UpdateWorkflowExecutionStatus"
"""Local activity of stigmer-server writing an execution's status from the orchestration."""


def interpreter_workflow_id(execution_id: str) -> str:
    """The id of the interpreter workflow of an execution (one per execution, ever)."""
    return f"{INTERPRETER_WORKFLOW_PREFIX}{execution_id}"


def execution_id_of_interpreter(workflow_id: str | None) -> str | None:
    """The execution id an interpreter workflow id names (inverse of :func:`interpreter_workflow_id`).

    Returns:
        The execution id, or None when ``workflow_id`` is not an interpreter workflow id (another
        prefix, or nothing after the prefix).
    """
    if not workflow_id or not workflow_id.startswith(INTERPRETER_WORKFLOW_PREFIX):
        return None
    return workflow_id[len(INTERPRETER_WORKFLOW_PREFIX) :] or None
