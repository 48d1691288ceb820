"""The activities of ``run: workflow`` (ADR 0036): create a subflow, record how it ended.

Both serve the execution whose interpreter workflow scheduled them (never one a request
names): the parent when creating, the subflow itself when recording.
"""

from __future__ import annotations

from datetime import timedelta

import grpc
from stigmer_dsl.errors import make_error
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.json_values import to_fields
from stigmer_protos.temporal_names import CREATE_SUBFLOW_ACTIVITY, RECORD_SUBFLOW_STATUS_ACTIVITY
from temporalio import activity
from temporalio.exceptions import ApplicationError

from workflow_runner.activities.workflow_documents import ExecutionSetupError, WorkflowDocuments
from workflow_runner.api import NOT_LIVE, StigmerApi
from workflow_runner.client import StigmerRpcError
from workflow_runner.engine.contract import SubflowOutcome, SubflowRequest, SubflowStart
from workflow_runner.engine.identity import scheduling_execution_id
from workflow_runner.status_mapping import failed_status

REFUSALS = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.PERMISSION_DENIED,
    }
)
"""Answers to ``createSubflow`` that no retry changes: the task fails with the server's reason."""

_PHASES = {
    "COMPLETED": wex.ExecutionPhase.EXECUTION_COMPLETED,
    "FAILED": wex.ExecutionPhase.EXECUTION_FAILED,
    "CANCELLED": wex.ExecutionPhase.EXECUTION_CANCELLED,
}


def _not_started(label: str, detail: str) -> ApplicationError:
    error = make_error("runtime", f"run: workflow {label}: {detail}", title="Subflow not started")
    return ApplicationError(str(error), error.error, type="runtime", non_retryable=True)


def outcome_status(outcome: SubflowOutcome) -> wex.WorkflowExecutionStatus:
    """The terminal status of a subflow that ended as ``outcome`` says."""
    if outcome.phase == "FAILED":
        return failed_status(outcome.error, outcome.details)
    status = wex.WorkflowExecutionStatus(phase=_PHASES[outcome.phase], error=outcome.error)
    if outcome.phase == "COMPLETED":
        status.output, status.output_value = to_fields(outcome.output)
    return status


class SubflowActivities:
    """``ServerlessWorkflowCreateSubflow`` and ``ServerlessWorkflowRecordSubflowStatus``."""

    def __init__(
        self, api: StigmerApi, documents: WorkflowDocuments, execution_timeout: timedelta
    ) -> None:
        """Call stigmer-server through ``api``; ``execution_timeout`` bounds each subflow."""
        self._api = api
        self._documents = documents
        self._timeout = execution_timeout

    @activity.defn(name=CREATE_SUBFLOW_ACTIVITY)
    async def create_subflow(self, request: SubflowRequest) -> SubflowStart:
        """Have the server create the subflow of the calling execution; return what starts it.

        Idempotent per ``request.call_id``: a retried attempt gets the execution the first
        one created. The child is marked IN_PROGRESS here, as ``ExecuteWorkflow`` marks a
        top-level execution.

        Raises:
            ApplicationError: Non-retryable, with an RFC 7807 ``runtime`` error, when the server
                refuses (no such document in the org, depth limit, parent ended) or the
                subflow's document is invalid.
        """
        parent_id = scheduling_execution_id()
        label = f"{request.namespace}/{request.name}:{request.version}"
        try:
            child = await self._api.create_subflow(
                wex.WorkflowExecutionCreateSubflowInput(
                    parent_execution_id=parent_id,
                    parent_task_id=request.task_id,
                    namespace=request.namespace,
                    name=request.name,
                    version=request.version,
                    input=wkt.Struct.from_dict(request.input),
                    call_id=request.call_id,
                )
            )
            spec = child.spec or wex.WorkflowExecutionSpec()
            yaml_text = await self._documents.yaml_of(spec)
        except StigmerRpcError as err:
            if err.code in REFUSALS:
                raise _not_started(label, err.details) from None
            raise
        except ExecutionSetupError as err:
            raise _not_started(label, str(err)) from None
        child_id = child.metadata.id if child.metadata else ""
        await self._api.update_status(
            child_id, wex.WorkflowExecutionStatus(phase=wex.ExecutionPhase.EXECUTION_IN_PROGRESS)
        )
        return SubflowStart(
            execution_id=child_id,
            workflow_yaml=yaml_text,
            # As the parent evaluated it: the child's trigger_metadata (its document and parent,
            # kept for the server) is no part of its input.
            input=request.input,
            execution_timeout_seconds=self._timeout.total_seconds(),
        )

    @activity.defn(name=RECORD_SUBFLOW_STATUS_ACTIVITY)
    async def record_subflow_status(self, outcome: SubflowOutcome) -> None:
        """Write the terminal status of the calling subflow (idempotent; an execution that
        already ended keeps its outcome)."""
        execution_id = scheduling_execution_id()
        try:
            await self._api.update_status(execution_id, outcome_status(outcome))
        except StigmerRpcError as err:
            if err.code not in NOT_LIVE:
                raise
