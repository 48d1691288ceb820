"""Submit the soak's executions through any server replica and follow them to their end.

A call that fails with UNAVAILABLE or DEADLINE_EXCEEDED (a replica being killed) is sent again
to the next replica. ``create`` carries the job's ``x-request-id``, so sending it again returns
the execution the first attempt made, never a second one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.json_values import from_fields, whole_numbers

from stigmer_bench.api import ORG, StigmerApi
from stigmer_bench.soak.workload import Job

T = TypeVar("T")

RETRIED_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
CALL_TIMEOUT_S = 20.0
POLL_S = 0.5


@dataclass(frozen=True)
class Outcome:
    """How one job ended.

    Attributes:
        job: The job.
        execution_id: The execution its create returned.
        phase: The terminal phase seen ("TIMEOUT" when none within the limit).
        output: The execution's output (JSON).
        error: ``status.error``.
        seconds: From the first create attempt to the terminal phase.
    """

    job: Job
    execution_id: str
    phase: str
    output: Any
    error: str
    seconds: float


class FailoverApi:
    """The gRPC API over every server replica, round robin, retrying on the next one."""

    def __init__(self, endpoints: Sequence[str]) -> None:
        """Open one channel per replica."""
        self._apis = [StigmerApi(grpc.aio.insecure_channel(e)) for e in endpoints]
        self._turn = 0
        self.retries = 0

    async def close(self) -> None:
        """Close every channel."""
        for api in self._apis:
            await api.channel.close()

    async def call(self, send: Callable[[StigmerApi], Awaitable[T]], within: float = 300.0) -> T:
        """Run ``send`` on one replica after the other until it does not fail with a retried code.

        Raises:
            grpc.aio.AioRpcError: Another code, or still failing after ``within`` seconds.
        """
        deadline = time.monotonic() + within
        while True:
            # Every call and every retry goes to the next replica, so calls reach the replicas
            # being killed (as behind a load balancer) and are retried on another one.
            self._turn += 1
            api = self._apis[self._turn % len(self._apis)]
            try:
                return await send(api)
            except grpc.aio.AioRpcError as err:
                if err.code() not in RETRIED_CODES or time.monotonic() > deadline:
                    raise
            self.retries += 1
            await asyncio.sleep(0.2)

    async def create(self, workflow_id: str, job: Job) -> str:
        """Create the job's execution (idempotent by its request id); return its id."""
        request = wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(
                name=f"soak-{job.key}", org=ORG, owner_scope=ar.ApiResourceOwnerScope.organization
            ),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=workflow_id, input=wkt.Struct.from_dict(job.input)
            ),
        )
        created: wex.WorkflowExecution = await self.call(
            lambda api: api.commands.create(
                request, metadata=(("x-request-id", job.key),), timeout=CALL_TIMEOUT_S
            )
        )
        assert created.metadata is not None
        return str(created.metadata.id)

    async def get(self, execution_id: str) -> wex.WorkflowExecution:
        """Fetch an execution."""
        found: wex.WorkflowExecution = await self.call(
            lambda api: api.queries.get(
                wex.WorkflowExecutionId(value=execution_id), timeout=CALL_TIMEOUT_S
            )
        )
        return found

    async def run(self, workflow_id: str, job: Job, limit_s: float) -> Outcome:
        """Create the job's execution and poll it until it is terminal or ``limit_s`` passed."""
        started = time.monotonic()
        execution_id = await self.create(workflow_id, job)
        deadline = started + limit_s
        while True:
            execution = await self.get(execution_id)
            status = execution.status or wex.WorkflowExecutionStatus()
            if status.phase in TERMINAL_PHASES or time.monotonic() > deadline:
                break
            await asyncio.sleep(POLL_S)
        terminal = status.phase in TERMINAL_PHASES
        return Outcome(
            job=job,
            execution_id=execution_id,
            phase=wex.ExecutionPhase(status.phase).name if terminal else "TIMEOUT",
            output=whole_numbers(from_fields(status.output, status.output_value)),
            error=status.error,
            seconds=time.monotonic() - started,
        )


async def run_all(
    api: FailoverApi,
    workflow_ids: dict[str, str],
    jobs: Sequence[Job],
    *,
    concurrency: int,
    limit_s: float,
    on_done: Callable[[Outcome], None] = lambda _: None,
    hold: tuple[int, asyncio.Event] | None = None,
) -> list[Outcome]:
    """Run every job, at most ``concurrency`` executions in flight; ``on_done`` after each.

    ``hold=(n, event)``: jobs from the ``n``-th on start only once ``event`` is set, so that
    executions are still in flight after it (the chaos's last kill).
    """
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, job: Job) -> Outcome:
        if hold is not None and index >= hold[0]:
            await hold[1].wait()
        async with gate:
            outcome = await api.run(workflow_ids[job.kind], job, limit_s)
        on_done(outcome)
        return outcome

    return list(await asyncio.gather(*(one(i, j) for i, j in enumerate(jobs))))
