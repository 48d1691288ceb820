"""Lifecycle of the Temporal side of stigmer-server: connection, launcher and worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_telemetry import ExecutionMetrics, execution_metrics, phase_label
from stigmer_telemetry.metrics import duration_seconds
from temporalio.worker import Worker

from stigmer_server.workflow.schedule.temporal import TemporalSchedules
from stigmer_server.workflowexecution.launcher import ExecutionLauncher
from stigmer_server.workflowexecution.reconciler import Reconciler, ReconcilerSettings
from stigmer_server.workflowexecution.temporal.activities import StatusWriter
from stigmer_server.workflowexecution.temporal.config import TemporalConfig
from stigmer_server.workflowexecution.temporal.connection import TemporalConnection
from stigmer_server.workflowexecution.temporal.creator import TemporalWorkflowCreator
from stigmer_server.workflowexecution.temporal.scheduled_activities import ScheduledRunActivities
from stigmer_server.workflowexecution.temporal.worker import build_worker

if TYPE_CHECKING:
    from stigmer_server.server import Services

_log = logging.getLogger(__name__)


class Orchestrator:
    """Connects to Temporal, installs the launcher and runs the stigmer-queue worker.

    When Temporal is reachable at start the worker is polling before the gRPC server accepts
    calls; when it is not, the server serves anyway (``create`` answers UNAVAILABLE), keeps
    reconnecting with backoff and starts the worker as soon as it connects.
    """

    def __init__(
        self,
        config: TemporalConfig,
        startup_wait: timedelta = timedelta(seconds=10),
        reconciler: ReconcilerSettings | None = None,
    ) -> None:
        """Prepare (nothing connects until :meth:`attach`).

        Args:
            config: Temporal settings.
            startup_wait: How long :meth:`attach` waits for Temporal before serving anyway.
            reconciler: When and what the reconciler examines; ``None`` or a zero interval:
                no reconciler.
        """
        self._config = config
        self._reconciler = reconciler
        self._reconcile: asyncio.Task[None] | None = None
        self._startup_wait = startup_wait
        self._connection = TemporalConnection(config)
        self._connect: asyncio.Task[object] | None = None
        self._run: asyncio.Task[None] | None = None
        self._worker: Worker | None = None
        self._writer: StatusWriter | None = None

    async def attach(self, services: Services) -> None:
        """Install the launcher on ``services`` and start connecting (and the worker)."""
        metrics = execution_metrics()
        self._writer = MeteredStatusWriter(services.executions, metrics)
        creator = TemporalWorkflowCreator(self._config, self._connection, self._writer)
        services.executions.launcher = MeteredLauncher(creator, metrics)
        schedules = TemporalSchedules(self._config, self._connection)
        services.workflows.scheduler = schedules
        services.schedules.temporal = schedules
        if self._reconciler is not None and self._reconciler.interval_s > 0:
            reconciler = Reconciler(
                services.executions, creator, self._reconciler, services.executions.claims
            )
            self._reconcile = asyncio.create_task(self._reconcile_when_connected(reconciler))
        self._connect = asyncio.create_task(self._connection.connect_with_backoff())
        try:
            await asyncio.wait_for(
                asyncio.shield(self._connect), self._startup_wait.total_seconds()
            )
        except TimeoutError:
            _log.warning(
                "Temporal at %s not reachable yet: serving; create answers UNAVAILABLE until it is",
                self._config.connection.address,
            )
        self._run = asyncio.create_task(self._run_worker(services))
        if self._connect.done():
            await asyncio.sleep(0)  # let the worker start polling before the server accepts calls

    async def _run_worker(self, services: Services) -> None:
        client = await self._connection.wait_connected()
        self._worker = build_worker(
            client,
            self._config.stigmer_task_queue,
            self._writer or services.executions,
            ScheduledRunActivities(services.workflows, services.executions),
        )
        _log.info("worker polling %s", self._config.stigmer_task_queue)
        await self._worker.run()

    async def _reconcile_when_connected(self, reconciler: Reconciler) -> None:
        await self._connection.wait_connected()
        await reconciler.run_forever()

    async def close(self) -> None:
        """Stop the reconciler, the worker (finishing in-flight tasks) and the reconnect loop."""
        if self._reconcile is not None:
            self._reconcile.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconcile
        if self._worker is not None:
            await self._worker.shutdown()
        for task in (self._run, self._connect):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class MeteredLauncher:
    """An :class:`ExecutionLauncher` counting the executions it starts."""

    def __init__(self, inner: ExecutionLauncher, metrics: ExecutionMetrics) -> None:
        """Delegate to ``inner``, counting into ``metrics``."""
        self._inner = inner
        self._metrics = metrics

    def check_ready(self) -> None:
        """Delegate."""
        self._inner.check_ready()

    def workflow_id(self, execution_id: str) -> str:
        """Delegate."""
        return self._inner.workflow_id(execution_id)

    async def start(self, execution: wex.WorkflowExecution) -> str:
        """Start through the inner launcher; a failed start counts as a failed execution."""
        try:
            temporal_id = await self._inner.start(execution)
        except Exception:
            # ExecutionService marks the execution FAILED when its start fails.
            self._metrics.execution_finished("failed")
            raise
        self._metrics.execution_started()
        return temporal_id

    async def cancel(self, execution_id: str, reason: str) -> None:
        """Delegate."""
        await self._inner.cancel(execution_id, reason)

    async def signal(self, execution_id: str, event: dict[str, Any]) -> None:
        """Delegate."""
        await self._inner.signal(execution_id, event)

    async def terminate(self, execution_id: str, reason: str) -> None:
        """Delegate."""
        await self._inner.terminate(execution_id, reason)

    async def set_paused(self, execution_id: str, paused: bool) -> None:
        """Delegate."""
        await self._inner.set_paused(execution_id, paused)


class MeteredStatusWriter:
    """A :class:`StatusWriter` counting the updates the orchestration writes.

    The orchestration workflow writes every execution's terminal status exactly once through
    its local activity (retried only on errors), and cancelling an execution that is not
    running writes CANCELLED here too, so terminal phases are counted in this one place.
    """

    def __init__(self, inner: StatusWriter, metrics: ExecutionMetrics) -> None:
        """Delegate to ``inner``, counting into ``metrics``."""
        self._inner = inner
        self._metrics = metrics

    async def update_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus
    ) -> wex.WorkflowExecution:
        """Merge through the inner writer, then count the update (and a terminal phase)."""
        return self._counted(status, await self._inner.update_status(execution_id, status))

    async def record_final_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus, output: bytes | None
    ) -> wex.WorkflowExecution:
        """Record through the inner writer, then count the update (and a terminal phase)."""
        updated = await self._inner.record_final_status(execution_id, status, output)
        return self._counted(status, updated)

    def _counted(
        self, status: wex.WorkflowExecutionStatus, updated: wex.WorkflowExecution
    ) -> wex.WorkflowExecution:
        merged = updated.status or wex.WorkflowExecutionStatus()
        self._metrics.status_update(phase_label(status.phase.name), "workflow")
        if merged.phase in TERMINAL_PHASES:
            self._metrics.execution_finished(
                phase_label(merged.phase.name),
                duration_seconds(merged.started_at, merged.completed_at),
            )
        return updated
