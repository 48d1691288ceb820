"""The six scenarios; each returns one :class:`ScenarioResult` with a same-run baseline."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.contract import TERMINAL_PHASES
from temporalio.client import Client

from stigmer_bench import procfs, profiling
from stigmer_bench.api import Phase, StigmerApi, document, progress_update
from stigmer_bench.results import ScenarioResult, median, percentile, safe_ratio
from stigmer_bench.target import Target

MIB = 1024 * 1024


@dataclass(frozen=True)
class Sizes:
    """How big each scenario is; :data:`FULL` is the documented run, :data:`QUICK` the smoke one.

    Attributes:
        throughput_n: Executions in the throughput scenario.
        throughput_concurrency: Executions in flight at once.
        overhead_chain: Length of the long ``set`` chain.
        overhead_repeats: Runs of each chain (median).
        latency_repeats: Runs of the one-task workflow (median).
        fanout_items: Items of the ``for`` (one HTTP call each).
        fanout_repeats: Runs of the fan-out workflow (median).
        memory_n: Executions waiting at once in the memory scenario.
        memory_wait_s: How long each waits.
        api_clients: Concurrent API clients.
        api_seconds: Duration of each API load phase.
        api_subscribers: Subscribers of one execution.
        api_updates: Updates whose delivery latency is measured.
        large_payload_max_mib: Largest HTTP response of the large-payload scenario (it runs
            the sizes of :data:`LARGE_PAYLOAD_MIB` up to this one).
    """

    throughput_n: int = 200
    throughput_concurrency: int = 50
    overhead_chain: int = 200
    overhead_repeats: int = 5
    latency_repeats: int = 20
    fanout_items: int = 100
    fanout_repeats: int = 3
    memory_n: int = 300
    memory_wait_s: float = 12.0
    api_clients: int = 20
    api_seconds: float = 5.0
    api_subscribers: int = 100
    api_updates: int = 20
    large_payload_max_mib: int = 20


LARGE_PAYLOAD_MIB = (1, 5, 20)
"""Response sizes of the large-payload scenario, in MiB."""

FULL = Sizes()
QUICK = Sizes(
    throughput_n=6,
    throughput_concurrency=3,
    overhead_chain=10,
    overhead_repeats=1,
    latency_repeats=2,
    fanout_items=3,
    fanout_repeats=1,
    memory_n=5,
    memory_wait_s=3.0,
    api_clients=3,
    api_seconds=0.5,
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

    async def baseline(self, workflow: str, *args: Any) -> Any:
        """Start a baseline workflow on the baseline worker's queue and return its result."""
        return await self.temporal.execute_workflow(
            workflow,
            args=list(args),
            id=f"bench-{workflow}-{uuid.uuid4().hex}",
            task_queue=self.target.baseline_queue,
        )

    def service_pids(self) -> dict[str, int]:
        """Pids of stigmer-server and workflow-runner that are known."""
        pids = {"server": self.target.server_pid, "runner": self.target.runner_pid}
        return {k: v for k, v in pids.items() if v is not None}

    def judge(self, ok: bool) -> bool | None:
        """A target verdict, or ``None`` in quick mode where sizes are too small to judge."""
        return None if self.quick else ok


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def _load(
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


def _cpu(pids: Mapping[str, int]) -> dict[str, float]:
    return {name: procfs.cpu_seconds(pid) for name, pid in pids.items()}


def _completed(followed_phase: wex.ExecutionPhase, error: str, what: str) -> None:
    if followed_phase != Phase.EXECUTION_COMPLETED:
        raise RuntimeError(f"{what} ended {followed_phase.name}: {error}")


def set_http_set_doc(url: str) -> dict[str, Any]:
    """``set -> call http -> set``."""
    return document(
        "bench-throughput",
        [
            {"prepare": {"set": {"id": 1}}},
            {"fetch": {"call": "http", "with": {"method": "get", "endpoint": url}}},
            {"keep": {"set": {"id": 1, "name": "${ .name }"}}},
        ],
    )


def set_chain_doc(length: int) -> dict[str, Any]:
    """``length`` ``set`` tasks, each incrementing a counter with jq."""
    return document(
        f"bench-chain-{length}",
        [{f"step{i}": {"set": {"n": "${ (.n // 0) + 1 }"}}} for i in range(length)],
    )


async def throughput(bench: Bench) -> ScenarioResult:
    """Scenario 1: executions/s and end-to-end latency of ``set -> http -> set``, N in flight."""
    s = bench.sizes
    url = f"{bench.target.stub_url}/pets/1"
    workflow_id = await bench.api.apply(set_http_set_doc(url))

    async def ours_one() -> float:
        run = await bench.api.run(workflow_id)
        _completed(run.phase, run.error, "throughput execution")
        return run.seconds

    async def baseline_one() -> float:
        return await _timed(lambda: bench.baseline("BenchSetHttpSet", url))

    await ours_one()
    await baseline_one()
    ours_pids = bench.service_pids()
    base_pids = {"baseline_worker": bench.target.baseline_pid}
    cpu0 = _cpu(base_pids)
    base_wall, base_lat = await _load(s.throughput_n, s.throughput_concurrency, baseline_one)
    base_cpu = {k: v - cpu0[k] for k, v in _cpu(base_pids).items()}
    cpu0 = _cpu(ours_pids)
    ours_wall, ours_lat = await _load(s.throughput_n, s.throughput_concurrency, ours_one)
    ours_cpu = {k: v - cpu0[k] for k, v in _cpu(ours_pids).items()}
    ours_rate = s.throughput_n / ours_wall
    base_rate = s.throughput_n / base_wall
    ratio = ours_rate / base_rate
    extra: dict[str, Any] = {
        "cpu_ms_per_execution": {
            **{k: round(v * 1000 / s.throughput_n, 2) for k, v in ours_cpu.items()},
            **{k: round(v * 1000 / s.throughput_n, 2) for k, v in base_cpu.items()},
        }
    }
    if bench.profile_dir is not None and ours_pids:
        with profiling.record(ours_pids, bench.profile_dir, "throughput") as outputs:
            await _load(s.throughput_n, s.throughput_concurrency, ours_one)
        extra["profile"] = {
            name: {"file": str(path), **profiling.summarize(path)} for name, path in outputs.items()
        }
    return ScenarioResult(
        scenario="throughput",
        params={"executions": s.throughput_n, "in_flight": s.throughput_concurrency},
        ours={
            "executions_per_s": ours_rate,
            "p50_ms": percentile(ours_lat, 50) * 1000,
            "p95_ms": percentile(ours_lat, 95) * 1000,
        },
        baseline={
            "executions_per_s": base_rate,
            "p50_ms": percentile(base_lat, 50) * 1000,
            "p95_ms": percentile(base_lat, 95) * 1000,
        },
        ratio=ratio,
        ratio_definition="ours/baseline executions per second, higher is better",
        target=">= 0.5",
        met=bench.judge(ratio >= 0.5),
        extra=extra,
    )


async def task_overhead(bench: Bench) -> ScenarioResult:
    """Scenario 2: ms per pure ``set`` task, from a chain of N against a chain of 1."""
    s = bench.sizes
    long_id = await bench.api.apply(set_chain_doc(s.overhead_chain))
    short_id = await bench.api.apply(set_chain_doc(1))

    async def one(workflow_id: str) -> float:
        run = await bench.api.run(workflow_id)
        _completed(run.phase, run.error, "chain execution")
        return run.seconds

    await one(short_id)
    await one(long_id)
    shorts: list[float] = []
    longs: list[float] = []
    for _ in range(s.overhead_repeats):
        shorts.append(await one(short_id))
        longs.append(await one(long_id))
    t1, tn = median(shorts), median(longs)
    per_task_ms = (tn - t1) / (s.overhead_chain - 1) * 1000
    extra: dict[str, Any] = {}
    if bench.profile_dir is not None and bench.target.runner_pid is not None:
        runner = {"runner": bench.target.runner_pid}
        with profiling.record(runner, bench.profile_dir, "task_overhead") as outputs:
            for _ in range(max(3, s.overhead_repeats)):
                await one(long_id)
        extra["profile"] = {
            name: {"file": str(path), **profiling.summarize(path)} for name, path in outputs.items()
        }
    return ScenarioResult(
        scenario="task_overhead",
        params={"chain": s.overhead_chain, "repeats": s.overhead_repeats},
        ours={"ms_per_task": per_task_ms, f"t{s.overhead_chain}_ms": tn * 1000},
        baseline={"t1_ms": t1 * 1000},
        ratio=safe_ratio(tn, t1),
        ratio_definition=f"median t{s.overhead_chain} / median t1 (the one-task chain)",
        target="<= 2 ms per pure task",
        met=bench.judge(per_task_ms <= 2.0),
        notes=(f"ms_per_task = (t{s.overhead_chain} - t1) / {s.overhead_chain - 1}",),
        extra=extra,
    )


async def latency(bench: Bench) -> ScenarioResult:
    """Scenario 3: create -> COMPLETED (subscribe) of a one-task workflow vs start -> result."""
    s = bench.sizes
    workflow_id = await bench.api.apply(document("bench-one", [{"only": {"set": {"done": True}}}]))

    async def ours_one() -> float:
        run = await bench.api.run(workflow_id)
        _completed(run.phase, run.error, "one-task execution")
        return run.seconds

    async def baseline_one() -> float:
        return await _timed(lambda: bench.baseline("BenchOneTask", 1))

    await ours_one()
    await baseline_one()
    ours: list[float] = []
    base: list[float] = []
    for _ in range(s.latency_repeats):
        ours.append(await ours_one())
        base.append(await baseline_one())
    ratio = safe_ratio(median(ours), median(base))
    return ScenarioResult(
        scenario="latency",
        params={"repeats": s.latency_repeats},
        ours={"median_ms": median(ours) * 1000, "p95_ms": percentile(ours, 95) * 1000},
        baseline={"median_ms": median(base) * 1000, "p95_ms": percentile(base, 95) * 1000},
        ratio=ratio,
        ratio_definition="ours/baseline median latency, lower is better",
        target="<= 3",
        met=bench.judge(ratio <= 3.0),
    )


async def fan_out(bench: Bench) -> ScenarioResult:
    """Scenario 4: ``for`` over N items with one HTTP call each vs N sequential activities."""
    s = bench.sizes
    url = f"{bench.target.stub_url}/pets/1"
    doc = document(
        "bench-fanout",
        [
            {
                "each": {
                    "for": {"each": "item", "in": f"${{ [range(0; {s.fanout_items})] }}"},
                    "do": [{"get": {"call": "http", "with": {"method": "get", "endpoint": url}}}],
                }
            }
        ],
    )
    workflow_id = await bench.api.apply(doc)

    async def ours_one() -> float:
        run = await bench.api.run(workflow_id)
        _completed(run.phase, run.error, "fan-out execution")
        return run.seconds

    async def baseline_one() -> float:
        return await _timed(lambda: bench.baseline("BenchFanOut", url, s.fanout_items))

    ours: list[float] = []
    base: list[float] = []
    for _ in range(s.fanout_repeats):
        ours.append(await ours_one())
        base.append(await baseline_one())
    ratio = safe_ratio(median(ours), median(base))
    return ScenarioResult(
        scenario="fan_out",
        params={"items": s.fanout_items, "repeats": s.fanout_repeats},
        ours={
            "median_ms": median(ours) * 1000,
            "ms_per_item": median(ours) * 1000 / s.fanout_items,
        },
        baseline={
            "median_ms": median(base) * 1000,
            "ms_per_item": median(base) * 1000 / s.fanout_items,
        },
        ratio=ratio,
        ratio_definition="ours/baseline median duration, lower is better",
        target="none set (reported)",
        met=None,
    )


class _Sampler:
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

    async def __aenter__(self) -> _Sampler:
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.sample()


async def _idle_rss(pids: Mapping[str, int]) -> dict[str, int]:
    samples: dict[str, list[int]] = {name: [] for name in pids}
    for _ in range(5):
        for name, pid in pids.items():
            samples[name].append(procfs.rss_bytes(pid))
        await asyncio.sleep(0.1)
    return {name: int(median(values)) for name, values in samples.items()}


async def memory(bench: Bench) -> ScenarioResult:
    """Scenario 5: RSS per in-flight execution (all waiting in ``wait``), both services.

    Raises:
        RuntimeError: The service pids are unknown (external stack without ``--server-pid`` and
            ``--runner-pid``).
    """
    s = bench.sizes
    pids = bench.service_pids()
    if len(pids) != 2:
        raise RuntimeError("memory needs the server and runner pids (--server-pid/--runner-pid)")
    wait_doc = document(
        "bench-wait", [{"pause": {"wait": {"milliseconds": round(s.memory_wait_s * 1000)}}}]
    )
    workflow_id = await bench.api.apply(wait_doc)
    warm_id = await bench.api.apply(
        document("bench-warm", [{"pause": {"wait": {"milliseconds": 100}}}])
    )
    await bench.api.run(warm_id)
    await bench.baseline("BenchWait", 0.1)
    create_gate = asyncio.Semaphore(50)

    # ours
    idle = await _idle_rss(pids)
    async with _Sampler(pids) as sampler:
        start = time.perf_counter()

        async def create() -> str:
            async with create_gate:
                return await bench.api.create(workflow_id)

        ids = await asyncio.gather(*(create() for _ in range(s.memory_n)))
        creating_s = time.perf_counter() - start
        await asyncio.sleep(max(0.0, s.memory_wait_s - creating_s - 0.5))
        get_gate = asyncio.Semaphore(20)

        async def finished(execution_id: str) -> None:
            async with get_gate:
                done = await bench.api.wait_phase(
                    execution_id, TERMINAL_PHASES, limit_s=s.memory_wait_s * 4 + 60
                )
            status = done.status or wex.WorkflowExecutionStatus()
            _completed(status.phase, status.error, "waiting execution")

        await asyncio.gather(*(finished(i) for i in ids))
    ours_delta = {k: sampler.peak[k] - idle[k] for k in pids}
    ours_per = sum(ours_delta.values()) / s.memory_n

    # baseline
    base_pids = {"baseline_worker": bench.target.baseline_pid}
    base_idle = await _idle_rss(base_pids)
    async with _Sampler(base_pids) as base_sampler:
        start = time.perf_counter()

        async def start_one() -> Any:
            async with create_gate:
                return await bench.temporal.start_workflow(
                    "BenchWait",
                    s.memory_wait_s,
                    id=f"bench-wait-{uuid.uuid4().hex}",
                    task_queue=bench.target.baseline_queue,
                )

        handles = await asyncio.gather(*(start_one() for _ in range(s.memory_n)))
        base_creating_s = time.perf_counter() - start
        await asyncio.gather(*(h.result() for h in handles))
    base_delta = base_sampler.peak["baseline_worker"] - base_idle["baseline_worker"]
    base_per = base_delta / s.memory_n
    notes = [
        "peak = max VmRSS sampled every 0.2 s while the executions wait; idle = VmRSS before; "
        "per execution = sum over both services of (peak - idle) / executions",
    ]
    if creating_s >= s.memory_wait_s:
        notes.append(f"creating took {creating_s:.1f}s >= wait: not all were in flight at once")
    if base_per <= 0:
        # Small runs (--quick) can stay within memory the baseline process already had.
        notes.append("the baseline worker's RSS did not grow measurably: no ratio")
    return ScenarioResult(
        scenario="memory",
        params={"executions": s.memory_n, "wait_s": s.memory_wait_s},
        ours={
            "kib_per_execution": ours_per / 1024,
            "server_idle_mib": idle["server"] / MIB,
            "server_peak_mib": sampler.peak["server"] / MIB,
            "runner_idle_mib": idle["runner"] / MIB,
            "runner_peak_mib": sampler.peak["runner"] / MIB,
            "create_all_s": creating_s,
        },
        baseline={
            "kib_per_execution": base_per / 1024,
            "worker_idle_mib": base_idle["baseline_worker"] / MIB,
            "worker_peak_mib": base_sampler.peak["baseline_worker"] / MIB,
            "start_all_s": base_creating_s,
        },
        ratio=safe_ratio(ours_per, base_per) if base_per > 0 else None,
        ratio_definition="ours (server + runner) / baseline worker bytes per in-flight execution",
        target="<= 1 MiB per in-flight execution (both services)",
        met=bench.judge(ours_per <= MIB),
        notes=tuple(notes),
    )


async def _rate(
    clients: int, seconds: float, make: Callable[[int], Callable[[], Awaitable[Any]]]
) -> float:
    """Calls per second of ``clients`` loops, each calling its ``make(i)`` for ``seconds``."""
    counts = [0] * clients
    deadline = time.perf_counter() + seconds

    async def loop(i: int) -> None:
        call = make(i)
        while time.perf_counter() < deadline:
            await call()
            counts[i] += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(clients)))
    return sum(counts) / (time.perf_counter() - start)


async def api(bench: Bench) -> ScenarioResult:
    """Scenario 6: updateStatus and get calls/s from N clients; subscribe delivery latency."""
    s = bench.sizes
    endpoint = bench.target.endpoint
    long_wait = await bench.api.apply(document("bench-hold", [{"hold": {"wait": {"hours": 1}}}]))
    ids = [await bench.api.create(long_wait) for _ in range(s.api_clients + 1)]
    running = frozenset({Phase.EXECUTION_IN_PROGRESS})
    for execution_id in ids:
        await bench.api.wait_phase(execution_id, running)
    channels = [grpc.aio.insecure_channel(endpoint) for _ in range(s.api_clients)]
    try:
        apis = [StigmerApi(ch) for ch in channels]
        health = [health_pb2_grpc.HealthStub(ch) for ch in channels]

        def health_call(i: int) -> Callable[[], Awaitable[Any]]:
            request = health_pb2.HealthCheckRequest(service="")
            return lambda: health[i].Check(request)

        def update_call(i: int) -> Callable[[], Awaitable[Any]]:
            request = progress_update(ids[i], f"/bench/client/{i}")
            return lambda: apis[i].commands.updateStatus(request)

        def get_call(i: int) -> Callable[[], Awaitable[Any]]:
            request = wex.WorkflowExecutionId(value=ids[i])
            return lambda: apis[i].queries.get(request)

        await _rate(s.api_clients, min(0.5, s.api_seconds), update_call)  # warm-up
        health_before = await _rate(s.api_clients, s.api_seconds, health_call)
        updates = await _rate(s.api_clients, s.api_seconds, update_call)
        gets = await _rate(s.api_clients, s.api_seconds, get_call)
        health_after = await _rate(s.api_clients, s.api_seconds, health_call)
        delivery, update_rtt = await _subscribe_latency(bench, channels, ids[-1])
    finally:
        for execution_id in ids:
            await bench.api.cancel(execution_id)
        for ch in channels:
            await ch.close()
    health_rate = (health_before + health_after) / 2
    ratio = safe_ratio(updates, health_rate)
    return ScenarioResult(
        scenario="api",
        params={
            "clients": s.api_clients,
            "seconds_per_phase": s.api_seconds,
            "subscribers": s.api_subscribers,
            "updates": s.api_updates,
        },
        ours={
            "update_status_per_s": updates,
            "get_per_s": gets,
            "subscribe_delivery_p50_ms": percentile(delivery, 50) * 1000,
            "subscribe_delivery_p95_ms": percentile(delivery, 95) * 1000,
        },
        baseline={
            "health_check_per_s": health_rate,
            "update_status_rtt_p50_ms": percentile(update_rtt, 50) * 1000,
        },
        ratio=ratio,
        ratio_definition="updateStatus calls/s / gRPC health Check calls/s (same clients)",
        target="updateStatus >= 1000 calls/s",
        met=bench.judge(updates >= 1000),
        notes=(
            "each client updates its own execution (one task row), so no write contention",
            "all clients run in the benchmark's one Python process: the health baseline shows "
            "its ceiling",
        ),
        extra={
            "get_ratio_to_health": round(safe_ratio(gets, health_rate), 4),
            "health_before_after_per_s": [round(health_before), round(health_after)],
            "subscribe_p50_ratio_to_update_rtt": round(
                safe_ratio(percentile(delivery, 50), percentile(update_rtt, 50)), 3
            ),
        },
    )


async def _subscribe_latency(
    bench: Bench, channels: list[grpc.aio.Channel], execution_id: str
) -> tuple[list[float], list[float]]:
    """(delivery latencies to every subscriber, updateStatus round trips) in seconds."""
    s = bench.sizes
    sent: dict[str, float] = {}
    delivery: list[float] = []
    ready = asyncio.Semaphore(0)
    all_delivered = asyncio.Event()
    expected = s.api_subscribers * s.api_updates

    async def subscriber(i: int) -> None:
        query = StigmerApi(channels[i % len(channels)]).queries
        stream = query.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=execution_id))
        seen: set[str] = set()
        first = True
        async for update in stream:
            now = time.perf_counter()
            if first:
                first = False
                ready.release()
            for task in (update.status or wex.WorkflowExecutionStatus()).tasks:
                if task.task_id in sent and task.task_id not in seen:
                    seen.add(task.task_id)
                    delivery.append(now - sent[task.task_id])
                    if len(delivery) >= expected:
                        all_delivered.set()
            if update.status is not None and update.status.phase in TERMINAL_PHASES:
                return

    subscribers = [asyncio.create_task(subscriber(i)) for i in range(s.api_subscribers)]
    try:
        async with asyncio.timeout(60):
            for _ in range(s.api_subscribers):
                await ready.acquire()
        rtt: list[float] = []
        for k in range(s.api_updates):
            task_id = f"/bench/sub/{k}"
            sent[task_id] = time.perf_counter()
            await bench.api.commands.updateStatus(progress_update(execution_id, task_id))
            rtt.append(time.perf_counter() - sent[task_id])
            await asyncio.sleep(0.1)
        async with asyncio.timeout(30):
            await all_delivered.wait()
    finally:
        for task in subscribers:
            task.cancel()
        await asyncio.gather(*subscribers, return_exceptions=True)
    return delivery, rtt


async def _get(url: str) -> None:
    def read() -> None:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()

    await asyncio.to_thread(read)


async def large_payload(bench: Bench) -> ScenarioResult:
    """Scenario 7: one execution per response size (1, 5, 20 MiB), its time and peak memory.

    The response becomes the workflow's output, so it crosses Temporal four times (activity
    result, interpreter result, ``ExecuteWorkflow`` result, status update), each time through
    external payload storage (ADR 0031); the record then holds it by reference (ADR 0033).
    Peak RSS is the services' (server + runner) above idle.

    Raises:
        RuntimeError: The service pids are unknown, or an execution did not complete.
    """
    pids = bench.service_pids()
    if len(pids) != 2:
        raise RuntimeError("large_payload needs the server and runner pids")
    ours: dict[str, float] = {}
    baseline: dict[str, float] = {}
    sizes = [m for m in LARGE_PAYLOAD_MIB if m <= bench.sizes.large_payload_max_mib]
    for mib in sizes:
        url = f"{bench.target.stub_url}/bytes/{mib * MIB}"
        doc = document(
            f"bench-large-{mib}",
            [{"fetch": {"call": "http", "with": {"method": "get", "endpoint": url}}}],
        )
        workflow_id = await bench.api.apply(doc)
        idle = await _idle_rss(pids)
        async with _Sampler(pids, interval=0.05) as sampler:
            followed = await bench.api.run(workflow_id, limit_s=600.0)
        _completed(followed.phase, followed.error, f"{mib} MiB response")
        ours[f"seconds_{mib}mib"] = round(followed.seconds, 3)
        peak = sum(sampler.peak[k] - idle[k] for k in pids)
        ours[f"peak_rss_mib_{mib}mib"] = round(peak / MIB, 1)
        baseline[f"get_seconds_{mib}mib"] = round(await _timed(functools.partial(_get, url)), 4)
    largest = sizes[-1]
    return ScenarioResult(
        scenario="large_payload",
        params={"response_mib": sizes},
        ours=ours,
        baseline=baseline,
        ratio=round(
            safe_ratio(ours[f"seconds_{largest}mib"], baseline[f"get_seconds_{largest}mib"]), 1
        ),
        ratio_definition=(
            "execution seconds / one plain GET of the same response by this process, largest "
            "size (a plain Temporal worker fails above 2 MiB, so it is no baseline)"
        ),
        target="every size completes",
        met=bench.judge(True),
        notes=(
            "one execution per size, run alone; RSS is sampled every 50 ms, so short peaks "
            "may be missed",
        ),
    )


SCENARIOS: dict[str, Callable[[Bench], Awaitable[ScenarioResult]]] = {
    "memory": memory,
    "latency": latency,
    "task_overhead": task_overhead,
    "throughput": throughput,
    "fan_out": fan_out,
    "api": api,
    "large_payload": large_payload,
}
"""Every scenario, in the order they run (memory first, before the heaps have grown)."""


def sizes_dict(sizes: Sizes) -> dict[str, Any]:
    """The sizes as a plain dict (for the run header)."""
    return asdict(sizes)
