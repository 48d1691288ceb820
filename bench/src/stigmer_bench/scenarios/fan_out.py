"""Scenario 4: ``for`` over N items with one HTTP call each, against the baseline."""

from __future__ import annotations

from stigmer_bench.api import document
from stigmer_bench.results import ScenarioResult, Target, median, safe_ratio
from stigmer_bench.scenarios._bench import Bench, paired, timed

TARGET = Target("<=", 2)
"""Ours/baseline median duration (issue 20)."""


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
        return await bench.run_seconds(workflow_id, "fan-out execution")

    async def baseline_one() -> float:
        return await timed(lambda: bench.baseline("BenchFanOut", url, s.fanout_items))

    ours, base = await paired(ours_one, baseline_one, s.fanout_repeats, warm_up=False)
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
        target=str(TARGET),
        met=bench.judge(TARGET.met(ratio)),
    )
