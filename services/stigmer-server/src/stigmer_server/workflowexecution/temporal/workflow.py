"""The orchestration workflow ``stigmer/workflow-execution/invoke``: thin, no business logic."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

with workflow.unsafe.imports_passed_through():
    from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_protos.temporal_names import (
    DEFAULT_RUNNER_TASK_QUEUE,
    EXECUTE_WORKFLOW_ACTIVITY,
    UPDATE_STATUS_ACTIVITY,
)

from stigmer_server.workflowexecution.temporal.config import ActivityTimeouts
from stigmer_server.workflowexecution.temporal.failure_reason import describe_activity_failure
from stigmer_server.workflowexecution.temporal.names import (
    MEMO_ACTIVITY_TASK_QUEUE,
    MEMO_TIMEOUTS,
    WORKFLOW_TYPE,
)

_JSON_PROTOBUF = b"json/protobuf"

STATUS_WRITE_ATTEMPT_TIMEOUT = timedelta(seconds=30)
"""Start-to-close timeout of one ``UpdateWorkflowExecutionStatus`` attempt."""

STATUS_WRITE_BUDGET = timedelta(minutes=10)
"""How long the final status write is retried.

The write is idempotent: keep trying through a Redis or server outage (unlimited attempts,
bounded in time) rather than end the workflow with nothing recorded.
"""

STATUS_WRITE_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=0,
)
"""Retries of ``UpdateWorkflowExecutionStatus`` (default coefficient 2) within the budget."""

EXECUTE_WORKFLOW_BACKOFF = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
"""Delays between ``ExecuteWorkflow`` attempts; their number is ``STIGMER_RUNNER_MAX_ATTEMPTS``."""


# Unsandboxed: this workflow is a few lines of our own deterministic code (no clock, no
# randomness, no I/O, no module state), and a sandbox per run cost the server more CPU than
# all of them (ADR 0042). Replay tests with checked-in histories guard its determinism.
@workflow.defn(name=WORKFLOW_TYPE, sandboxed=False)
class InvokeWorkflowExecutionWorkflow:
    """Runs ``ExecuteWorkflow`` on the runner queue named in the memo and records failures.

    The runner does the work and reports progress; this workflow only bounds it in time,
    writes the final status through the local activity, and turns every system failure
    (no runner, crashed runner, timeouts, cancellation) into a terminal execution.
    """

    @workflow.run
    async def run(self, execution: RawValue) -> RawValue:
        """Execute the workflow execution and return its final status.

        The execution (a ``WorkflowExecution`` payload) goes to ``ExecuteWorkflow`` as it came
        and the status (a ``WorkflowExecutionStatus`` payload) to the local activity: neither
        is decoded here. Only the execution id is read. A status output may be megabytes, and
        decoding it in workflow code would outlast Temporal's deadlock timeout (ADR 0033).
        """
        execution_id = execution_id_of(execution)
        queue = str(workflow.memo_value(MEMO_ACTIVITY_TASK_QUEUE, DEFAULT_RUNNER_TASK_QUEUE))
        memo_timeouts: Any = workflow.memo_value(MEMO_TIMEOUTS, None)
        timeouts = ActivityTimeouts.from_memo(memo_timeouts)
        try:
            status: RawValue = await workflow.execute_activity(
                EXECUTE_WORKFLOW_ACTIVITY,
                execution,
                task_queue=queue,
                result_type=RawValue,
                schedule_to_start_timeout=timeouts.schedule_to_start,
                start_to_close_timeout=timeouts.start_to_close,
                # The same bound over all attempts: a retry must not outlive the workflow's run
                # timeout, which would end it with no code left to record why.
                schedule_to_close_timeout=timeouts.start_to_close,
                heartbeat_timeout=timeouts.heartbeat,
                # ExecuteWorkflow is idempotent (it re-attaches to the interpreter workflow of
                # this execution), so retrying a crashed runner is safe.
                retry_policy=dataclasses.replace(
                    EXECUTE_WORKFLOW_BACKOFF, maximum_attempts=timeouts.maximum_attempts
                ),
                cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        except asyncio.CancelledError:
            await self._record(
                execution_id, _terminal(wex.ExecutionPhase.EXECUTION_CANCELLED, "cancelled")
            )
            raise
        except ActivityError as err:
            if isinstance(err.cause, CancelledError):
                await self._record(
                    execution_id, _terminal(wex.ExecutionPhase.EXECUTION_CANCELLED, "cancelled")
                )
                raise asyncio.CancelledError() from err
            reason = describe_activity_failure(err, queue, timeouts)
            await self._record(execution_id, _terminal(wex.ExecutionPhase.EXECUTION_FAILED, reason))
            raise ApplicationError(reason, type="ExecutionFailed", non_retryable=True) from err
        await self._record(execution_id, status)
        return status

    async def _record(
        self, execution_id: str, status: wex.WorkflowExecutionStatus | RawValue
    ) -> None:
        """Write ``status``; a cancellation arriving meanwhile waits for the write to finish."""
        write = asyncio.ensure_future(
            workflow.execute_local_activity(
                UPDATE_STATUS_ACTIVITY,
                args=[execution_id, status],
                start_to_close_timeout=STATUS_WRITE_ATTEMPT_TIMEOUT,
                schedule_to_close_timeout=STATUS_WRITE_BUDGET,
                retry_policy=STATUS_WRITE_RETRY,
            )
        )
        try:
            await asyncio.shield(write)
        except asyncio.CancelledError:
            await write
            raise


def execution_id_of(execution: RawValue) -> str:
    """The ``metadata.id`` of a ``WorkflowExecution`` payload, reading only that field.

    A proto3 JSON payload (what every Stigmer client writes) is read as JSON; any other
    encoding is decoded as the message.
    """
    payload = execution.payload
    if payload.metadata.get("encoding") == _JSON_PROTOBUF:
        fields: Any = json.loads(payload.data or b"{}")
        metadata = fields.get("metadata") if isinstance(fields, dict) else None
        identifier = metadata.get("id") if isinstance(metadata, dict) else None
        return identifier if isinstance(identifier, str) else ""
    decoded: wex.WorkflowExecution = workflow.payload_converter().from_payload(
        payload, wex.WorkflowExecution
    )
    return decoded.metadata.id if decoded.metadata else ""


def _terminal(phase: wex.ExecutionPhase, error: str) -> wex.WorkflowExecutionStatus:
    return wex.WorkflowExecutionStatus(phase=phase, error=error)
