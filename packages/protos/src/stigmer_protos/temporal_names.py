"""Temporal names both services rely on: the contract between stigmer-server and any runner."""

from __future__ import annotations

import re

INTERPRETER_WORKFLOW_PREFIX = "workflow-exec-"
"""Prefix of the interpreter workflow id, as Stigmer's Go runner names it."""

EVENT_SIGNAL = "event"
"""Signal of the interpreter workflow carrying one CloudEvent (a JSON object) for ``listen``."""

PAUSE_SIGNAL = "pause"
"""Signal of the interpreter workflow: start no further task until :data:`RESUME_SIGNAL`."""

RESUME_SIGNAL = "resume"
"""Signal of the interpreter workflow ending a :data:`PAUSE_SIGNAL`."""

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

EVALUATE_EXPRESSION_ACTIVITY = "ServerlessWorkflowEvaluateExpression"
"""Name of the engine's local activity evaluating one jq expression over a large context."""

SCHEDULE_ID_PREFIX = "stigmer/workflow-schedule/"
"""Prefix of the Temporal Schedule of a Workflow (``<prefix><workflow id>``, one per Workflow),
also the id Temporal gives each run it starts (suffixed with ``-<RFC 3339 scheduled time>``)."""

SCHEDULED_RUN_WORKFLOW = "stigmer/workflow-schedule/run"
"""Workflow type a Schedule starts on the stigmer queue; it creates one WorkflowExecution."""

START_SCHEDULED_EXECUTION_ACTIVITY = "StartScheduledExecution"
"""Local activity of stigmer-server creating the execution of one scheduled run."""

SCHEDULED_EXECUTION_DONE_ACTIVITY = "ScheduledExecutionDone"
"""Local activity of stigmer-server telling a scheduled run whether its execution has ended."""

CREATE_SUBFLOW_ACTIVITY = "ServerlessWorkflowCreateSubflow"
"""Name of the runner's activity creating a ``run: workflow`` subflow's execution (ADR 0036)."""

RECORD_SUBFLOW_STATUS_ACTIVITY = "ServerlessWorkflowRecordSubflowStatus"
"""Name of the runner's activity a subflow's interpreter records its terminal phase with."""

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
        CREATE_SUBFLOW_ACTIVITY,
        RECORD_SUBFLOW_STATUS_ACTIVITY,
        EVALUATE_EXPRESSION_ACTIVITY,
        EXECUTE_WORKFLOW_ACTIVITY,
        UPDATE_STATUS_ACTIVITY,
        START_SCHEDULED_EXECUTION_ACTIVITY,
        SCHEDULED_EXECUTION_DONE_ACTIVITY,
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


_SCHEDULED_RUN_ID = re.compile(
    re.escape(SCHEDULE_ID_PREFIX) + r"(?P<workflow>wfl-[0-9a-z]+)-\d{4}-\d{2}-\d{2}T[0-9:.]+Z"
)


def schedule_id(workflow_id: str) -> str:
    """The id of the Temporal Schedule of a Workflow (one per Workflow, ever)."""
    return f"{SCHEDULE_ID_PREFIX}{workflow_id}"


def workflow_id_of_schedule(schedule: str) -> str | None:
    """The Workflow id a schedule id names (inverse of :func:`schedule_id`), or None."""
    if not schedule.startswith(SCHEDULE_ID_PREFIX):
        return None
    return schedule[len(SCHEDULE_ID_PREFIX) :] or None


def workflow_id_of_scheduled_run(run_workflow_id: str | None) -> str | None:
    """The Workflow id a scheduled run's Temporal workflow id names, or None.

    Temporal names each run a Schedule starts ``<schedule id>-<RFC 3339 scheduled time>``.
    """
    match = _SCHEDULED_RUN_ID.fullmatch(run_workflow_id or "")
    return match.group("workflow") if match else None
