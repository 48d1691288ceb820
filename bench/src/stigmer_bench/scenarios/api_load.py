"""Scenario 6 (``api``): updateStatus and get calls/s; subscribe delivery latency."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.contract import TERMINAL_PHASES

from stigmer_bench import profiling
from stigmer_bench.api import Phase, StigmerApi, document, progress_update
from stigmer_bench.results import ScenarioResult, Target, median, percentile, safe_ratio
from stigmer_bench.scenarios._bench import Bench, cpu_seconds

UPDATE_STATUS = (
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/updateStatus"
)
"""The ``updateStatus`` method, called with encoded bytes by the load phase."""

TARGET = Target(">=", 1000, "calls/s", subject="updateStatus")
"""updateStatus calls per second of one server (issue 20)."""


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
    """Scenario 6: updateStatus and get calls/s from N clients; subscribe delivery latency.

    Rates are medians of ``api_repeats`` phases of each kind, taken in turns with the health
    ``Check`` baseline (one health phase before the first round and after each).
    """
    s = bench.sizes
    endpoint = bench.target.endpoint
    extra: dict[str, Any] = {}
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
            # Encoded once and answered undecoded: the clients never read the answer, and
            # decoding it with betterproto2 cost the one bench process more CPU per call than
            # the server spent (ADR 0040), so the bench measured itself.
            request = bytes(progress_update(ids[i], f"/bench/client/{i}"))
            call = channels[i].unary_unary(UPDATE_STATUS)
            return lambda: call(request)

        def get_call(i: int) -> Callable[[], Awaitable[Any]]:
            request = wex.WorkflowExecutionId(value=ids[i])
            return lambda: apis[i].queries.get(request)

        await _rate(s.api_clients, min(0.5, s.api_seconds), update_call)  # warm-up
        # Health phases before and after every round of updateStatus and get phases.
        pids = {**bench.service_pids(), "bench": os.getpid()}
        cpu = dict.fromkeys(pids, 0.0)
        update_calls = 0.0
        health_rates = [await _rate(s.api_clients, s.api_seconds, health_call)]
        update_rates: list[float] = []
        get_rates: list[float] = []
        for _ in range(s.api_repeats):
            cpu0 = cpu_seconds(pids)
            calls0 = time.perf_counter()
            rate = await _rate(s.api_clients, s.api_seconds, update_call)
            update_calls += rate * (time.perf_counter() - calls0)
            for k, v in cpu_seconds(pids).items():
                cpu[k] += v - cpu0[k]
            update_rates.append(rate)
            get_rates.append(await _rate(s.api_clients, s.api_seconds, get_call))
            health_rates.append(await _rate(s.api_clients, s.api_seconds, health_call))
        if bench.profile_dir is not None:
            profiled = {k: v for k, v in pids.items() if k != "runner"}
            with profiling.record(profiled, bench.profile_dir, "api") as outputs:
                await _rate(s.api_clients, s.api_seconds, update_call)
            extra["profile"] = {
                name: {"file": str(path), **profiling.summarize(path)}
                for name, path in outputs.items()
            }
        delivery, update_rtt = await _subscribe_latency(bench, channels, ids[-1])
    finally:
        for execution_id in ids:
            await bench.api.cancel(execution_id)
        for ch in channels:
            await ch.close()
    health_rate, updates, gets = median(health_rates), median(update_rates), median(get_rates)
    ratio = safe_ratio(updates, health_rate)
    return ScenarioResult(
        scenario="api",
        params={
            "clients": s.api_clients,
            "seconds_per_phase": s.api_seconds,
            "repeats": s.api_repeats,
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
        ratio_definition=(
            "median updateStatus calls/s / median gRPC health Check calls/s (same clients), "
            "higher is better"
        ),
        target=str(TARGET),
        met=bench.judge(TARGET.met(updates)),
        notes=(
            "each client updates its own execution (one task row), so no write contention",
            "all clients run in the benchmark's one Python process: the health baseline shows "
            "its ceiling",
            "updateStatus requests are encoded once and answers are not decoded (the clients "
            "do not read them)",
        ),
        extra={
            **extra,
            "cpu_ms_per_update_status": {
                k: round(v * 1000 / max(update_calls, 1), 3) for k, v in cpu.items()
            },
            "get_ratio_to_health": round(safe_ratio(gets, health_rate), 4),
            "per_s_phases": {
                "update_status": [round(r) for r in update_rates],
                "get": [round(r) for r in get_rates],
                "health_check": [round(r) for r in health_rates],
            },
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
