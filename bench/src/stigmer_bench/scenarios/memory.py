"""Scenario 5: RSS per in-flight execution, against the baseline worker."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.contract import TERMINAL_PHASES

from stigmer_bench.api import document
from stigmer_bench.results import ScenarioResult, Target, safe_ratio
from stigmer_bench.scenarios._bench import MIB, Bench, RssSampler, check_completed, idle_rss

TARGET = Target("<=", 1, "MiB per in-flight execution (both services)")
"""Bytes per in-flight execution, server and runner together (issue 20)."""


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
    idle = await idle_rss(pids)
    async with RssSampler(pids) as sampler:
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
            check_completed(status.phase, status.error, "waiting execution")

        await asyncio.gather(*(finished(i) for i in ids))
    ours_delta = {k: sampler.peak[k] - idle[k] for k in pids}
    ours_per = sum(ours_delta.values()) / s.memory_n

    # baseline
    base_pids = {"baseline_worker": bench.target.baseline_pid}
    base_idle = await idle_rss(base_pids)
    async with RssSampler(base_pids) as base_sampler:
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
        target=str(TARGET),
        met=bench.judge(TARGET.met(ours_per / MIB)),
        notes=tuple(notes),
    )
