"""The stigmer-server Temporal worker: the orchestration workflow and its local activity only."""

from __future__ import annotations

from stigmer_protos.temporal import sandbox_runner
from temporalio.client import Client
from temporalio.worker import Worker

from stigmer_server.workflowexecution.temporal.activities import StatusWriter, UpdateStatusActivity
from stigmer_server.workflowexecution.temporal.workflow import InvokeWorkflowExecutionWorkflow


def build_worker(client: Client, task_queue: str, writer: StatusWriter) -> Worker:
    """Build the worker for the stigmer queue.

    It registers ``stigmer/workflow-execution/invoke`` and the local activity
    ``UpdateWorkflowExecutionStatus`` and polls no remote activities: ``ExecuteWorkflow`` is
    polled on the runner queue by workflow-runner alone (the polyglot rule).
    """
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[InvokeWorkflowExecutionWorkflow],
        activities=[UpdateStatusActivity(writer).update_workflow_execution_status],
        no_remote_activities=True,
        workflow_runner=sandbox_runner(),
    )
