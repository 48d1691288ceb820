"""The reconciler: executions whose orchestration workflow never started, or is gone.

A server that dies between storing a PENDING execution and starting its Temporal workflow
leaves an execution nobody runs; a workflow terminated by an operator, or dropped by Temporal,
leaves one nobody finishes. Every ``interval`` one replica (the holder of a Redis lease that
simply expires) looks at the non-terminal executions older than ``min_age``:

- PENDING without a workflow: started (the workflow id is derived from the execution id, so a
  start racing with a late ``create`` attaches to the same workflow);
- PENDING or IN_PROGRESS whose workflow is closed, or IN_PROGRESS without one (or a PENDING
  subflow without its interpreter workflow, ADR 0036): FAILED, with the reason. The write is refused once the execution is terminal, so a workflow that finished
  normally between the two reads keeps its own outcome.

Every step is idempotent, so the lease only saves work: two replicas running a pass at once
do nothing wrong.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.domain.ids import created_ms
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.errors import DomainError, FailedPreconditionError
from stigmer_server.store import keys
from stigmer_server.store.claims import Claims
from stigmer_server.workflowexecution.launcher import LauncherUnavailableError
from stigmer_server.workflowexecution.service import ExecutionService

_log = logging.getLogger(__name__)

_PAGE = 200
_PARALLEL = 16
_LEASE = "reconciler"


class RunProbe(Protocol):
    """Tells whether an execution's orchestration workflow exists and runs."""

    async def run_state(self, execution_id: str) -> str | None:
        """Temporal's status name of the workflow (``RUNNING``...), ``None`` when there is none."""
        ...


@dataclass(frozen=True)
class ReconcilerSettings:
    """How often the reconciler looks, and at what.

    Attributes:
        interval_s: Seconds between passes (``STIGMER_RECONCILE_INTERVAL_SECONDS``); 0 turns
            the reconciler off.
        min_age_s: Executions younger than this are left alone
            (``STIGMER_RECONCILE_MIN_AGE_SECONDS``): their ``create`` may still be starting them.
    """

    interval_s: float = 60.0
    min_age_s: float = 30.0


@dataclass(frozen=True)
class PassReport:
    """What one pass did."""

    examined: int = 0
    started: int = 0
    failed: int = 0


class Reconciler:
    """Starts stranded PENDING executions and fails those whose workflow is gone."""

    def __init__(
        self,
        executions: ExecutionService,
        probe: RunProbe,
        settings: ReconcilerSettings,
        claims: Claims | None = None,
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        """Reconcile ``executions`` against ``probe``.

        Args:
            executions: The execution service (its launcher starts executions).
            probe: Reads the state of orchestration workflows.
            settings: Interval and minimum age.
            claims: Holds the lease that lets one replica run each pass; ``None``: every pass.
            now_ms: Clock in epoch milliseconds (tests).
        """
        self._executions = executions
        self._probe = probe
        self._settings = settings
        self._claims = claims
        self._holder = secrets.token_hex(8)
        self._now_ms = now_ms or _epoch_ms

    async def run_forever(self) -> None:
        """Run a pass every interval until cancelled; a failed pass is logged and retried."""
        while True:
            try:
                if await self._take_turn():
                    report = await self.run_pass()
                    if report.started or report.failed:
                        _log.info(
                            "reconciled executions",
                            extra={"started": report.started, "failed": report.failed},
                        )
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("reconciler pass failed")
            await asyncio.sleep(self._settings.interval_s)

    async def _take_turn(self) -> bool:
        if self._claims is None:
            return True
        ttl_ms = max(1, int(self._settings.interval_s * 1000 * 0.9))
        return await self._claims.lease(WORKFLOW_EXECUTION, _LEASE, self._holder, ttl_ms)

    async def run_pass(self) -> PassReport:
        """Examine every PENDING and IN_PROGRESS execution old enough; act on stranded ones."""
        totals = [0, 0, 0]
        limit = asyncio.Semaphore(_PARALLEL)

        async def one(execution: wex.WorkflowExecution) -> None:
            async with limit:
                outcome = await self._reconcile(execution)
            totals[0] += 1
            if outcome == "started":
                totals[1] += 1
            elif outcome == "failed":
                totals[2] += 1

        for phase in (
            wex.ExecutionPhase.EXECUTION_PENDING,
            wex.ExecutionPhase.EXECUTION_IN_PROGRESS,
        ):
            await _each_page(self._executions, int(phase), self._old_enough, one)
        return PassReport(*totals)

    def _old_enough(self, execution_id: str) -> bool:
        born = created_ms(execution_id)
        return born is not None and self._now_ms() - born >= self._settings.min_age_s * 1000

    async def _reconcile(self, execution: wex.WorkflowExecution) -> str:
        execution_id = execution.metadata.id if execution.metadata else ""
        phase = (execution.status or wex.WorkflowExecutionStatus()).phase
        try:
            state = await self._probe.run_state(execution_id)
            if state == "RUNNING":
                return "running"
            # A subflow is started by its parent's workflow, never here (ADR 0036).
            subflow = bool((execution.spec or wex.WorkflowExecutionSpec()).parent_execution_id)
            if state is None and phase == wex.ExecutionPhase.EXECUTION_PENDING and not subflow:
                await self._executions.launch(execution)
                return "started"
            reason = (
                "its Temporal workflow no longer exists"
                if state is None
                else f"its Temporal workflow ended ({state}) without recording a final status"
            )
            await self._executions.update_status(
                execution_id,
                wex.WorkflowExecutionStatus(
                    phase=wex.ExecutionPhase.EXECUTION_FAILED, error=f"reconciler: {reason}"
                ),
                live_only=True,
            )
            _log.warning("execution failed by the reconciler", extra={"execution_id": execution_id})
            return "failed"
        except FailedPreconditionError:
            return "settled"  # it became terminal meanwhile: its own outcome stands
        except (LauncherUnavailableError, DomainError) as exc:
            _log.warning(
                "could not reconcile execution",
                extra={"execution_id": execution_id, "error": str(exc)},
            )
            return "error"


async def _each_page(
    executions: ExecutionService,
    phase: int,
    wanted: Callable[[str], bool],
    act: Callable[[wex.WorkflowExecution], Awaitable[None]],
) -> None:
    store, index = executions.repo.store, keys.index_by_phase(phase)
    after: str | None = None
    while True:
        page = await store.scan_index(WORKFLOW_EXECUTION, index, after, _PAGE)
        if not page:
            return
        after = page[-1][0]
        batch = [
            executions.repo.decode(data) for rid, data in page if data is not None and wanted(rid)
        ]
        await asyncio.gather(*(act(e) for e in batch))


def _epoch_ms() -> int:
    return time.time_ns() // 1_000_000
