"""Scenario 1: executions/s and latency of ``set -> http -> set``, against the baseline."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_protos.temporal_names import interpreter_workflow_id

from stigmer_bench import profiling
from stigmer_bench.results import ScenarioResult, Target, median, percentile
from stigmer_bench.scenarios._bench import Bench, cpu_seconds, load, timed
from stigmer_bench.scenarios._set_docs import set_http_set_doc
from stigmer_bench.temporal_work import TemporalWork, temporal_work

TARGET = Target(">=", 0.5)
"""Ours/baseline executions per second (issue 20)."""


async def _round(
    bench: Bench, one: Callable[[], Awaitable[float]], pids: Mapping[str, int]
) -> tuple[float, list[float], dict[str, float]]:
    """One load of N executions: (executions/s, latencies, CPU seconds of each of ``pids``)."""
    s = bench.sizes
    cpu0 = cpu_seconds(pids)
    wall, latencies = await load(s.throughput_n, s.throughput_concurrency, one)
    cpu = {k: v - cpu0[k] for k, v in cpu_seconds(pids).items()}
    return s.throughput_n / wall, latencies, cpu


async def throughput(bench: Bench) -> ScenarioResult:
    """Scenario 1: executions/s and end-to-end latency of ``set -> http -> set``, N in flight.

    The baseline's load and ours take turns, ``throughput_repeats`` rounds each; the rates are
    the medians of the rounds, the latency percentiles pool every round's executions and the
    CPU per execution sums every round.
    """
    s = bench.sizes
    url = f"{bench.target.stub_url}/pets/1"
    workflow_id = await bench.api.apply(set_http_set_doc(url))

    async def ours_one() -> float:
        return await bench.run_seconds(workflow_id, "throughput execution")

    async def baseline_one() -> float:
        return await timed(lambda: bench.baseline("BenchSetHttpSet", url))

    await ours_one()
    await baseline_one()
    ours_pids = bench.service_pids()
    base_pids = {"baseline_worker": bench.target.baseline_pid}
    ours_rates: list[float] = []
    base_rates: list[float] = []
    ours_lat: list[float] = []
    base_lat: list[float] = []
    cpu = dict.fromkeys([*ours_pids, *base_pids], 0.0)
    for _ in range(s.throughput_repeats):
        for one, pids, rates, latencies in (
            (baseline_one, base_pids, base_rates, base_lat),
            (ours_one, ours_pids, ours_rates, ours_lat),
        ):
            rate, seconds, used = await _round(bench, one, pids)
            rates.append(rate)
            latencies.extend(seconds)
            for name, value in used.items():
                cpu[name] += value
    ours_rate = median(ours_rates)
    base_rate = median(base_rates)
    ratio = ours_rate / base_rate
    executions = s.throughput_n * s.throughput_repeats
    extra: dict[str, Any] = {
        "cpu_ms_per_execution": {k: round(v * 1000 / executions, 2) for k, v in cpu.items()},
        "executions_per_s_rounds": {
            "ours": [round(r, 3) for r in ours_rates],
            "baseline": [round(r, 3) for r in base_rates],
        },
    }
    ours_work, base_work = await _work_per_execution(bench, workflow_id, url)
    extra["temporal_work_per_execution"] = {
        "ours": ours_work.as_dict(),
        "baseline": base_work.as_dict(),
    }
    if bench.profile_dir is not None and ours_pids:
        with profiling.record(ours_pids, bench.profile_dir, "throughput") as outputs:
            await load(s.throughput_n, s.throughput_concurrency, ours_one)
        extra["profile"] = {
            name: {"file": str(path), **profiling.summarize(path)} for name, path in outputs.items()
        }
    return ScenarioResult(
        scenario="throughput",
        params={
            "executions": s.throughput_n,
            "in_flight": s.throughput_concurrency,
            "repeats": s.throughput_repeats,
        },
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
        ratio_definition="ours/baseline median executions per second, higher is better",
        target=str(TARGET),
        met=bench.judge(TARGET.met(ratio)),
        extra=extra,
    )


async def _work_per_execution(
    bench: Bench, workflow_id: str, url: str
) -> tuple[TemporalWork, TemporalWork]:
    """The Temporal histories of one more execution of each: ours (the orchestration and
    the interpreter workflow) and the baseline's one workflow."""
    run = await bench.api.run(workflow_id)
    execution = await bench.api.wait_phase(run.execution_id, TERMINAL_PHASES)
    orchestration = execution.status.temporal_workflow_id if execution.status else ""
    if not orchestration:
        raise RuntimeError(f"execution {run.execution_id} names no orchestration workflow")
    ours = await temporal_work(
        bench.temporal, [orchestration, interpreter_workflow_id(run.execution_id)]
    )
    baseline_id = f"bench-work-{uuid.uuid4().hex}"
    await bench.baseline("BenchSetHttpSet", url, workflow_id=baseline_id)
    return ours, await temporal_work(bench.temporal, [baseline_id])
