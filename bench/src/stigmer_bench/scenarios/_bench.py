"""What every scenario shares: the sizes, the connections and the ways to run and measure."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from temporalio.client import Client

from stigmer_bench import procfs
from stigmer_bench.api import Phase, StigmerApi
from stigmer_bench.results import median
from stigmer_bench.target import Target

MIB = 1024 * 1024


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is; :data:`FULL` is the documented run, :data:`QUICK` the smoke one.

    Attributes:
        throughput_n: Executions in the throughput scenario.
        throughput_concurrency: Executions in flight at once.
        throughput_repeats: Rounds of ``throughput_n`` executions, ours and the baseline's in
            turns (median rate).
        overhead_chain: Length of the long ``set`` chain.
        overhead_repeats: Runs of each chain (median).
        latency_repeats: Runs of the one-task workflow (median).
        fanout_items: Items of the ``for`` (one HTTP call each).
        fanout_repeats: Runs of the fan-out workflow (median).
        memory_n: Executions waiting at once in the memory scenario.
        memory_wait_s: How long each waits.
        api_clients: Concurrent API clients.
        api_seconds: Duration of each API load phase.
        api_repeats: Phases of each API call (median rate), in turns with the baseline's.
        api_subscribers: Subscribers of one execution.
        api_updates: Updates whose delivery latency is measured.
        large_payload_max_mib: Largest HTTP response of the large-payload scenario (it runs
            the sizes of :data:`LARGE_PAYLOAD_MIB` up to this one).
    """

    throughput_n: int = 200
    throughput_concurrency: int = 50
    throughput_repeats: int = 3
    overhead_chain: int = 200
    overhead_repeats: int = 5
    latency_repeats: int = 20
    fanout_items: int = 100
    fanout_repeats: int = 3
    memory_n: int = 300
    memory_wait_s: float = 12.0
    api_clients: int = 20
    api_seconds: float = 2.0
    api_repeats: int = 3
    api_subscribers: int = 100
    api_updates: int = 20
    large_payload_max_mib: int = 20


LARGE_PAYLOAD_MIB = (1, 5, 20)
"""Response sizes of the large-payload scenario, in MiB."""

SET_FOR_MIB = 10
"""Response size of the large-payload scenario's ``for`` over a large context, in MiB."""

FULL = Sizes()
QUICK = Sizes(
    throughput_n=6,
    throughput_concurrency=3,
    throughput_repeats=2,
    overhead_chain=10,
    overhead_repeats=1,
    latency_repeats=2,
    fanout_items=3,
    fanout_repeats=1,
    memory_n=5,
    memory_wait_s=3.0,
    api_clients=3,
    api_seconds=0.5,
    api_repeats=2,
    api_subscribers=3,
    api_updates=2,
    large_payload_max_mib=1,
)


class Bench:
    """Connections and settings shared by the scenarios.

    Attributes:
        target: What runs.
        api: Stigmer API client (one channel).
        temporal: Temporal client for the baseline workflows.
        sizes: Scenario sizes.
        quick: Whether this is the smoke-size run.
        profile_dir: Where to write py-spy profiles of the throughput scenario, if anywhere.
    """

    def __init__(
        self,
        target: Target,
        api: StigmerApi,
        temporal: Client,
        sizes: Sizes,
        *,
        quick: bool,
        profile_dir: Path | None = None,
    ) -> None:
        """Keep the shared state."""
        self.target = target
        self.api = api
        self.temporal = temporal
        self.sizes = sizes
        self.quick = quick
        self.profile_dir = profile_dir

    async def baseline(self, workflow: str, *args: Any, workflow_id: str | None = None) -> Any:
        """Start a baseline workflow on the baseline worker's queue and return its result."""
        return await self.temporal.execute_workflow(
            workflow,
            args=list(args),
            id=workflow_id or f"bench-{workflow}-{uuid.uuid4().hex}",
            task_queue=self.target.baseline_queue,
        )

    async def run_seconds(self, workflow_id: str, what: str) -> float:
        """Run one execution of ``workflow_id`` to COMPLETED; its create -> COMPLETED seconds.

        Raises:
            RuntimeError: The execution ended in another phase.
        """
        run = await self.api.run(workflow_id)
        check_completed(run.phase, run.error, what)
        return run.seconds

    def service_pids(self) -> dict[str, int]:
        """Pids of stigmer-server and workflow-runner that are known."""
        pids = {"server": self.target.server_pid, "runner": self.target.runner_pid}
        return {k: v for k, v in pids.items() if v is not None}

    def judge(self, ok: bool) -> bool | None:
        """A target verdict, or ``None`` in quick mode where sizes are too small to judge."""
        return None if self.quick else ok


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    """Seconds ``call`` takes."""
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def load(
    n: int, concurrency: int, one: Callable[[], Awaitable[float]]
) -> tuple[float, list[float]]:
    """Run ``one`` ``n`` times with at most ``concurrency`` at once; (wall seconds, latencies)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def guarded() -> None:
        async with gate:
            latencies.append(await one())

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(n):
            group.create_task(guarded())
    return time.perf_counter() - start, latencies


async def paired(
    first: Callable[[], Awaitable[float]],
    second: Callable[[], Awaitable[float]],
    repeats: int,
    *,
    warm_up: bool = True,
) -> tuple[list[float], list[float]]:
    """Run two measurements in turns, ``repeats`` times each (after one unmeasured run of each).

    Taking turns exposes both sides to the same load of the shared machine.

    Returns:
        The seconds of ``first`` and of ``second``, in run order.
    """
    if warm_up:
        await first()
        await second()
    firsts: list[float] = []
    seconds: list[float] = []
    for _ in range(repeats):
        firsts.append(await first())
        seconds.append(await second())
    return firsts, seconds


def cpu_seconds(pids: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each named process."""
    return {name: procfs.cpu_seconds(pid) for name, pid in pids.items()}


def check_completed(followed_phase: wex.ExecutionPhase, error: str, what: str) -> None:
    """Raise ``RuntimeError`` naming ``what`` unless the phase is COMPLETED."""
    if followed_phase != Phase.EXECUTION_COMPLETED:
        raise RuntimeError(f"{what} ended {followed_phase.name}: {error}")


class RssSampler:
    """Samples the RSS of some processes every ``interval`` seconds, keeping the peak."""

    def __init__(self, pids: Mapping[str, int], interval: float = 0.2) -> None:
        self.pids = dict(pids)
        self.interval = interval
        self.peak = {name: 0 for name in pids}
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        for name, pid in self.pids.items():
            self.peak[name] = max(self.peak[name], procfs.rss_bytes(pid))

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> RssSampler:
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.sample()


async def idle_rss(pids: Mapping[str, int]) -> dict[str, int]:
    """Median RSS of each named process over half a second."""
    samples: dict[str, list[int]] = {name: [] for name in pids}
    for _ in range(5):
        for name, pid in pids.items():
            samples[name].append(procfs.rss_bytes(pid))
        await asyncio.sleep(0.1)
    return {name: int(median(values)) for name, values in samples.items()}
