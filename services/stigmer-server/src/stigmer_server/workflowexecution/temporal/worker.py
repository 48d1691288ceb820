"""The stigmer-server Temporal worker: the orchestration workflow and its local activity only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stigmer_protos.temporal import sandbox_runner
from stigmer_telemetry import ExecutionContextInterceptor, execution_id_after
from temporalio.client import Client
from temporalio.worker import Worker

from stigmer_server.workflowexecution.temporal.activities import StatusWriter, UpdateStatusActivity
from stigmer_server.workflowexecution.temporal.names import workflow_id
from stigmer_server.workflowexecution.temporal.scheduled_activities import ScheduledRunActivities
from stigmer_server.workflowexecution.temporal.scheduled_run import ScheduledRunWorkflow
from stigmer_server.workflowexecution.temporal.workflow import InvokeWorkflowExecutionWorkflow

ORCHESTRATION_PACKAGE = "stigmer_server.workflowexecution.temporal"


def build_worker(
    client: Client,
    task_queue: str,
    writer: StatusWriter,
    scheduled: ScheduledRunActivities | None = None,
) -> Worker:
    """Build the worker for the stigmer queue.

    It registers ``stigmer/workflow-execution/invoke`` and the local activity
    ``UpdateWorkflowExecutionStatus`` and polls no remote activities: ``ExecuteWorkflow`` is
    polled on the runner queue by workflow-runner alone (the polyglot rule). With
    ``scheduled``, it also runs the workflow Schedules start and its two local activities.
    """
    workflows: list[type] = [InvokeWorkflowExecutionWorkflow]
    activities: list[Callable[..., Any]] = [
        UpdateStatusActivity(writer).update_workflow_execution_status
    ]
    if scheduled is not None:
        workflows.append(ScheduledRunWorkflow)
        activities += [scheduled.start_scheduled_execution, scheduled.scheduled_execution_done]
    return Worker(
        client,
        task_queue=task_queue,
        workflows=workflows,
        activities=activities,
        no_remote_activities=True,
        # Passing our own (deterministic, stateless) modules through spares re-importing them
        # for every workflow run: 10-15% of the server's CPU under load (docs/performance.md).
        workflow_runner=sandbox_runner(ORCHESTRATION_PACKAGE),
        # The tracing interceptor comes with the client; this one puts the execution id on
        # the local activity's log lines.
        interceptors=[ExecutionContextInterceptor(execution_id_after(workflow_id("")))],
    )
