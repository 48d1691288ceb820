"""Starts and cancels the orchestration workflow of an execution (the ExecutionLauncher)."""

from __future__ import annotations

from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.temporal_names import (
    EVENT_SIGNAL,
    PAUSE_SIGNAL,
    RESUME_SIGNAL,
    interpreter_workflow_id,
)
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from stigmer_server.secrets.redaction import redact_execution
from stigmer_server.workflowexecution.launcher import (
    LauncherNotRunningError,
    LauncherUnavailableError,
)
from stigmer_server.workflowexecution.temporal.activities import StatusWriter
from stigmer_server.workflowexecution.temporal.config import TemporalConfig
from stigmer_server.workflowexecution.temporal.connection import TemporalConnection
from stigmer_server.workflowexecution.temporal.names import (
    MEMO_ACTIVITY_TASK_QUEUE,
    MEMO_TIMEOUTS,
    WORKFLOW_TYPE,
    workflow_id,
)

_UNREACHABLE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


class TemporalWorkflowCreator:
    """Starts ``stigmer/workflow-execution/invoke`` idempotently, and cancels it."""

    def __init__(
        self, config: TemporalConfig, connection: TemporalConnection, writer: StatusWriter
    ) -> None:
        """Use ``connection`` for Temporal and ``writer`` for executions that never started."""
        self._config = config
        self._connection = connection
        self._writer = writer

    def check_ready(self) -> None:
        """Raise LauncherUnavailableError while Temporal has not been reached."""
        self._client()

    def _raise_if_unreachable(self, err: RPCError) -> None:
        if err.status in _UNREACHABLE:
            raise LauncherUnavailableError(
                f"Temporal at {self._connection.address}: {err.message}"
            ) from err

    def _client(self) -> Client:
        client = self._connection.client
        if client is None:
            raise LauncherUnavailableError(
                f"Temporal at {self._connection.address} is not reachable yet"
            )
        return client

    def workflow_id(self, execution_id: str) -> str:
        """The orchestration workflow id of ``execution_id``: one workflow per execution."""
        return workflow_id(execution_id)

    async def start(self, execution: wex.WorkflowExecution) -> str:
        """Start the workflow of ``execution``; a repeated start is a no-op.

        The workflow id is derived from the execution id. USE_EXISTING attaches a retried start
        to the running workflow; REJECT_DUPLICATE refuses to run a finished execution again.

        Returns:
            The Temporal workflow id.

        Raises:
            LauncherUnavailableError: Temporal cannot be reached.
        """
        client = self._client()
        wid = self.workflow_id(execution.metadata.id if execution.metadata else "")
        try:
            await client.start_workflow(
                WORKFLOW_TYPE,
                # Workflow inputs are stored in Temporal history in clear; the runner reads
                # secret values through getSecrets when an activity needs them (ADR 0008, 0018).
                redact_execution(execution),
                id=wid,
                task_queue=self._config.stigmer_task_queue,
                execution_timeout=self._config.execution_timeout,
                memo={
                    MEMO_ACTIVITY_TASK_QUEUE: self._config.runner_task_queue,
                    MEMO_TIMEOUTS: self._config.activity.to_memo(),
                },
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                # This process polls the stigmer queue: its first workflow task comes back in
                # the start response instead of through a poll (ADR 0042).
                request_eager_start=True,
            )
        except WorkflowAlreadyStartedError:
            pass  # it ran before: never run an execution twice
        except RPCError as err:
            self._raise_if_unreachable(err)
            raise
        return wid

    async def run_state(self, execution_id: str) -> str | None:
        """The status name of the execution's orchestration workflow (e.g. ``RUNNING``,
        ``TERMINATED``), or of its interpreter workflow when it has none (a subflow, ADR 0036);
        ``None`` when Temporal has neither.

        Raises:
            LauncherUnavailableError: Temporal cannot be reached.
        """
        for wid in (workflow_id(execution_id), interpreter_workflow_id(execution_id)):
            handle = self._client().get_workflow_handle(wid)
            try:
                description = await handle.describe()
            except RPCError as err:
                self._raise_if_unreachable(err)
                if err.status == RPCStatusCode.NOT_FOUND:
                    continue
                raise
            return description.status.name if description.status is not None else "UNSPECIFIED"
        return None

    async def cancel(self, execution_id: str, reason: str) -> None:
        """Request cancellation; the workflow records CANCELLED once the runner has stopped.

        When no workflow is running for the execution (it never started, or it has already
        closed), the execution is marked CANCELLED directly.

        Raises:
            LauncherUnavailableError: Temporal cannot be reached.
        """
        client = self._client()
        # A subflow (ADR 0036) has no orchestration workflow: its interpreter is a child
        # workflow of its parent's, and records CANCELLED itself once cancelled.
        for wid in (workflow_id(execution_id), interpreter_workflow_id(execution_id)):
            if await self._cancel_running(client, wid):
                return
        await self._writer.update_status(
            execution_id,
            wex.WorkflowExecutionStatus(
                phase=wex.ExecutionPhase.EXECUTION_CANCELLED,
                error=f"cancelled: {reason}" if reason else "cancelled",
            ),
        )

    async def terminate(self, execution_id: str, reason: str) -> None:
        """Terminate the interpreter and orchestration workflows, then record CANCELLED.

        The interpreter goes first: the orchestration's activity would otherwise outlive it
        until its heartbeat timeout. Either may already be gone (never started, finished).
        The orchestration no longer writes a final status, so it is written here; if the run
        ended meanwhile, the merge keeps that end.

        Raises:
            LauncherUnavailableError: Temporal cannot be reached.
        """
        client = self._client()
        note = f"terminated: {reason}" if reason else "terminated"
        for temporal_id in (interpreter_workflow_id(execution_id), workflow_id(execution_id)):
            try:
                await client.get_workflow_handle(temporal_id).terminate(reason=note)
            except RPCError as err:
                self._raise_if_unreachable(err)
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
        await self._writer.update_status(
            execution_id,
            wex.WorkflowExecutionStatus(phase=wex.ExecutionPhase.EXECUTION_CANCELLED, error=note),
        )

    async def _cancel_running(self, client: Client, wid: str) -> bool:
        """Request cancellation of workflow ``wid`` if it runs; False when it does not."""
        handle = client.get_workflow_handle(wid)
        try:
            description = await handle.describe()
            if description.status != WorkflowExecutionStatus.RUNNING:
                return False
            await handle.cancel()
        except RPCError as err:
            self._raise_if_unreachable(err)
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            # Gone, or it completed between describe and cancel: the caller's direct write
            # is turned into a no-op by the status merge if it ended otherwise.
            return False
        return True

    async def signal(self, execution_id: str, event: dict[str, Any]) -> None:
        """Signal the execution's interpreter workflow with one CloudEvent.

        The interpreter workflow id and the signal name are the contract with the runner
        (``stigmer_protos.temporal_names``).

        Raises:
            LauncherUnavailableError: Temporal cannot be reached.
            LauncherNotRunningError: The interpreter workflow is not running (not started yet,
                or finished).
        """
        await self._signal_interpreter(execution_id, EVENT_SIGNAL, event)

    async def set_paused(self, execution_id: str, paused: bool) -> None:
        """Signal the interpreter to pause (or resume), then record PAUSED (or IN_PROGRESS).

        The signal is durable in the interpreter's history: it takes effect before the next
        task starts, also after a worker restart or a continue-as-new.

        Raises:
            LauncherUnavailableError: Temporal cannot be reached.
            LauncherNotRunningError: The interpreter workflow is not running.
        """
        await self._signal_interpreter(execution_id, PAUSE_SIGNAL if paused else RESUME_SIGNAL)
        phase = (
            wex.ExecutionPhase.EXECUTION_PAUSED
            if paused
            else wex.ExecutionPhase.EXECUTION_IN_PROGRESS
        )
        await self._writer.update_status(execution_id, wex.WorkflowExecutionStatus(phase=phase))

    async def _signal_interpreter(self, execution_id: str, name: str, *args: Any) -> None:
        client = self._client()
        handle = client.get_workflow_handle(interpreter_workflow_id(execution_id))
        try:
            await handle.signal(name, *args)
        except RPCError as err:
            self._raise_if_unreachable(err)
            if err.status == RPCStatusCode.NOT_FOUND:
                raise LauncherNotRunningError(
                    "the execution is not running yet (or any longer); retry once it is IN_PROGRESS"
                ) from err
            raise
