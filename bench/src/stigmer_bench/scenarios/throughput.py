"""Scenario 1: executions/s and latency of ``set -> http -> set``, against the baseline."""

from __future__ import annotations

from typing import Any

from stigmer_bench import profiling
from stigmer_bench.results import ScenarioResult, percentile
from stigmer_bench.scenarios._bench import Bench, cpu_seconds, load, timed
from stigmer_bench.scenarios._set_docs import set_http_set_doc


async def throughput(bench: Bench) -> ScenarioResult:
    """Scenario 1: executions/s and end-to-end latency of ``set -> http -> set``, N in flight."""
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
    cpu0 = cpu_seconds(base_pids)
    base_wall, base_lat = await load(s.throughput_n, s.throughput_concurrency, baseline_one)
    base_cpu = {k: v - cpu0[k] for k, v in cpu_seconds(base_pids).items()}
    cpu0 = cpu_seconds(ours_pids)
    ours_wall, ours_lat = await load(s.throughput_n, s.throughput_concurrency, ours_one)
    ours_cpu = {k: v - cpu0[k] for k, v in cpu_seconds(ours_pids).items()}
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
            await load(s.throughput_n, s.throughput_concurrency, ours_one)
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
