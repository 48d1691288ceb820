"""Scenario 3: create -> COMPLETED of a one-task workflow, against the baseline."""

from __future__ import annotations

from stigmer_bench.api import document
from stigmer_bench.results import ScenarioResult, Target, median, percentile, safe_ratio
from stigmer_bench.scenarios._bench import Bench, paired, timed

TARGET = Target("<=", 2.5)
"""Ours/baseline median latency (issue 20)."""


async def latency(bench: Bench) -> ScenarioResult:
    """Scenario 3: create -> COMPLETED (subscribe) of a one-task workflow vs start -> result."""
    s = bench.sizes
    workflow_id = await bench.api.apply(document("bench-one", [{"only": {"set": {"done": True}}}]))

    async def ours_one() -> float:
        return await bench.run_seconds(workflow_id, "one-task execution")

    async def baseline_one() -> float:
        return await timed(lambda: bench.baseline("BenchOneTask", 1))

    ours, base = await paired(ours_one, baseline_one, s.latency_repeats)
    ratio = safe_ratio(median(ours), median(base))
    return ScenarioResult(
        scenario="latency",
        params={"repeats": s.latency_repeats},
        ours={"median_ms": median(ours) * 1000, "p95_ms": percentile(ours, 95) * 1000},
        baseline={"median_ms": median(base) * 1000, "p95_ms": percentile(base, 95) * 1000},
        ratio=ratio,
        ratio_definition="ours/baseline median latency, lower is better",
        target=str(TARGET),
        met=bench.judge(TARGET.met(ratio)),
    )
