"""The ``ExecuteWorkflow`` activity: fetch, convert, validate, run the interpreter, report."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.temporal_names import EXECUTE_WORKFLOW_ACTIVITY, interpreter_workflow_id
from stigmer_telemetry import execution_context
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import RawValue, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, CancelledError, WorkflowAlreadyStartedError

from workflow_runner.activities.workflow_documents import ExecutionSetupError, WorkflowDocuments
from workflow_runner.api import NOT_LIVE, StigmerApi
from workflow_runner.client import StigmerRpcError
from workflow_runner.engine import (
    ENGINE_WORKFLOW_NAME,
    EngineInput,
    EngineResult,
)
from workflow_runner.engine.activities.heartbeat import heartbeating
from workflow_runner.engine.contract import StartAt
from workflow_runner.execution_input import start_at_of, workflow_input
from workflow_runner.status_mapping import completed_payload, failed_status

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InterpreterSettings:
    """Where and how the interpreter workflow runs.

    Attributes:
        task_queue: The interpreter workflow's task queue.
        execution_timeout: Its Temporal execution timeout.
        allowed_activities: The operator's ``call: activity`` allow-list, checked when the
            document is loaded here and passed to the interpreter in :class:`EngineInput`.
    """

    task_queue: str
    execution_timeout: timedelta = timedelta(minutes=30)
    allowed_activities: tuple[AllowedActivity, ...] = ()


class ExecuteWorkflowActivity:
    """Implements ``ExecuteWorkflow(WorkflowExecution) -> WorkflowExecutionStatus``."""

    def __init__(self, api: StigmerApi, temporal: Client, settings: InterpreterSettings) -> None:
        """Use ``api`` for stigmer-server and ``temporal`` to run the interpreter workflow."""
        self._api = api
        self._temporal = temporal
        self._settings = settings
        self._documents = WorkflowDocuments(api, settings.allowed_activities)

    @activity.defn(name=EXECUTE_WORKFLOW_ACTIVITY)
    async def execute_workflow(
        self, execution: wex.WorkflowExecution
    ) -> wex.WorkflowExecutionStatus | RawValue:
        """Run one execution to its end and return its final status.

        A completed status is returned as its payload (:func:`completed_payload`): the
        output may be megabytes, too many to build as a pure-Python message.

        Idempotent: a retried attempt re-attaches to the interpreter workflow the first
        attempt started. Configuration and lookup problems end FAILED with a message a user
        can act on; cancellation of this activity cancels the interpreter workflow.
        """
        execution_id = execution.metadata.id if execution.metadata else ""
        # Log lines, the gRPC calls to the server and the interpreter workflow all carry the id.
        # Heartbeat from the start: slow lookups or a slow server must not look like a dead
        # runner (which would start an overlapping attempt).
        with execution_context(execution_id):
            async with heartbeating():
                return await self._execute(execution_id, execution)

    async def _execute(
        self, execution_id: str, execution: wex.WorkflowExecution
    ) -> wex.WorkflowExecutionStatus | RawValue:
        spec = execution.spec or wex.WorkflowExecutionSpec()
        try:
            yaml_text = await self._documents.yaml_of(spec, execution_id)
            data = await self._input(execution_id, spec)
        except ExecutionSetupError as err:
            return failed_status(str(err), err.details)
        # Marking the execution IN_PROGRESS and starting the interpreter are independent and
        # each a round trip: do both at once (about 45 ms less before the first task runs).
        # The terminal status is written only after this activity returns, so it cannot
        # overtake the mark.
        marking = asyncio.ensure_future(
            self._api.update_status(
                execution_id,
                wex.WorkflowExecutionStatus(phase=wex.ExecutionPhase.EXECUTION_IN_PROGRESS),
            )
        )
        starting = asyncio.ensure_future(
            self._start_interpreter(execution_id, yaml_text, data, start_at_of(spec))
        )
        try:
            await marking
        except StigmerRpcError as err:
            handle = await starting
            if err.code in NOT_LIVE:
                # The execution ended (or was deleted) before this runner picked it up, or the
                # runner's key may not run it: stop the run just started
                # (docs/adr/0006-runner-execution.md, 0026-scoped-api-keys.md).
                await self._temporal.get_workflow_handle(handle.id).terminate(
                    f"execution {execution_id} is not runnable: {err.details}"
                )
                return failed_status(f"not run: {err.details}")
            raise
        except BaseException:
            starting.cancel()
            raise
        handle = await starting
        return await self._await_result(handle)

    async def _input(self, execution_id: str, spec: wex.WorkflowExecutionSpec) -> Any:
        """The DSL workflow input; an uploaded one is fetched from the server (ADR 0033)."""
        reference = spec.input_reference
        if reference is None or not reference.path:
            return workflow_input(spec)
        try:
            text = await self._api.get_value(execution_id, reference.path)
        except StigmerRpcError as err:
            if err.code in NOT_LIVE:
                raise ExecutionSetupError(f"the execution's input is gone: {err.details}") from err
            raise
        uploaded: dict[str, Any] = await asyncio.to_thread(json.loads, text)
        return workflow_input(spec, uploaded)

    async def _start_interpreter(
        self, execution_id: str, yaml_text: str, data: Any, start_at: StartAt | None = None
    ) -> WorkflowHandle[Any, EngineResult]:
        workflow_id = interpreter_workflow_id(execution_id)
        try:
            return await self._temporal.start_workflow(
                ENGINE_WORKFLOW_NAME,
                EngineInput(
                    execution_id=execution_id,
                    workflow_yaml=yaml_text,
                    input=data,
                    allowed_activities=list(self._settings.allowed_activities),
                    start_at=start_at,
                ),
                id=workflow_id,
                task_queue=self._settings.task_queue,
                execution_timeout=self._settings.execution_timeout,
                result_type=EngineResult,
                # A retried attempt attaches to the run the first attempt started; a finished
                # run is never started again, its result is read instead.
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                # This process polls the interpreter queue: the first workflow task comes back
                # in the start response instead of through a poll (ADR 0042).
                request_eager_start=True,
            )
        except WorkflowAlreadyStartedError:
            return self._temporal.get_workflow_handle(workflow_id, result_type=EngineResult)

    async def _await_result(
        self, handle: WorkflowHandle[Any, EngineResult]
    ) -> wex.WorkflowExecutionStatus | RawValue:
        try:
            result = await handle.result()
        except asyncio.CancelledError:
            # A runner shutting down is not a user's cancellation: the interpreter workflow
            # goes on, and the retried activity re-attaches to it on another runner.
            if not activity.is_worker_shutdown():
                # By id only: after continue-as-new the run this handle names is not the
                # latest one, and cancelling it would fail with NOT_FOUND.
                await self._temporal.get_workflow_handle(handle.id).cancel()
            raise
        except WorkflowFailureError as err:
            return _failure_status(err)
        return completed_payload(result.output)


def _failure_status(err: WorkflowFailureError) -> wex.WorkflowExecutionStatus:
    cause = err.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else None
        return failed_status(cause.message, details)
    if isinstance(cause, CancelledError):
        return wex.WorkflowExecutionStatus(
            phase=wex.ExecutionPhase.EXECUTION_CANCELLED, error="cancelled"
        )
    return failed_status(str(cause or err))
