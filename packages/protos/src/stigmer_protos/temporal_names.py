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

DEFAULT_STIGMER_TASK_QUEUE = "workflow_execution_stigmer"
"""Default task queue of stigmer-server's orchestration workflow."""

DEFAULT_RUNNER_TASK_QUEUE = "workflow_execution_runner"
"""Default task queue of the runners' ``ExecuteWorkflow`` activity."""

ENGINE_WORKFLOW_NAME = "ExecuteServerlessWorkflow"
"""Temporal workflow type name of the DSL interpreter."""

REPORT_PROGRESS_ACTIVITY = "ReportTaskProgress"
"""Name of the local activity (implemented by the runner) that receives progress batches."""

HTTP_CALL_ACTIVITY = "ServerlessWorkflowHttpCall"
"""Name of the engine's activity performing a DSL ``call: http``."""

EMIT_EVENT_ACTIVITY = "ServerlessWorkflowEmitEvent"
"""Name of the engine's activity delivering a DSL ``emit`` CloudEvent to the event sink."""

OPENAPI_CALL_ACTIVITY = "ServerlessWorkflowOpenApiCall"
"""Name of the engine's activity performing a DSL ``call: openapi``."""

GRPC_CALL_ACTIVITY = "ServerlessWorkflowGrpcCall"
"""Name of the engine's activity performing a DSL ``call: grpc``."""

RUN_PROCESS_ACTIVITY = "ServerlessWorkflowRunProcess"
"""Name of the engine's activity running a DSL ``run: shell`` / ``run: script`` process."""

INTERNAL_ACTIVITY_PREFIX = "ServerlessWorkflow"
"""Prefix of the engine's own task activities (present and future)."""

INTERNAL_ACTIVITIES = frozenset(
    {
        REPORT_PROGRESS_ACTIVITY,
        HTTP_CALL_ACTIVITY,
        EMIT_EVENT_ACTIVITY,
        OPENAPI_CALL_ACTIVITY,
        GRPC_CALL_ACTIVITY,
        RUN_PROCESS_ACTIVITY,
        EXECUTE_WORKFLOW_ACTIVITY,
        UPDATE_STATUS_ACTIVITY,
    }
)
"""Activities of the engine and of the services: never callable from ``call: activity``."""


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
