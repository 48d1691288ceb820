"""Scenario 2: ms per pure ``set`` task."""

from __future__ import annotations

from typing import Any

from stigmer_bench import procfs, profiling
from stigmer_bench.results import ScenarioResult, Target, median, safe_ratio
from stigmer_bench.scenarios._bench import Bench, paired
from stigmer_bench.scenarios._set_docs import set_chain_doc

TARGET = Target("<=", 1, "ms per pure task")
"""The headline target (issue 20)."""
ISSUE_15_TARGET = Target("<=", 2, "ms per pure task")
"""Issue 15's budget, reported as a second verdict in ``extra.also_met``."""


async def task_overhead(bench: Bench) -> ScenarioResult:
    """Scenario 2: ms per pure ``set`` task, from a chain of N against a chain of 1."""
    s = bench.sizes
    long_id = await bench.api.apply(set_chain_doc(s.overhead_chain))
    short_id = await bench.api.apply(set_chain_doc(1))

    pids = bench.service_pids()
    cpu: dict[str, dict[str, list[float]]] = {short_id: {}, long_id: {}}

    async def one(workflow_id: str) -> float:
        before = _cpu(pids)
        seconds = await bench.run_seconds(workflow_id, "chain execution")
        for name, value in _cpu(pids).items():
            cpu[workflow_id].setdefault(name, []).append(value - before[name])
        return seconds

    shorts, longs = await paired(lambda: one(short_id), lambda: one(long_id), s.overhead_repeats)
    t1, tn = median(shorts), median(longs)
    per_task_ms = (tn - t1) / (s.overhead_chain - 1) * 1000
    # The first run of each chain is paired's unmeasured warm-up.
    extra: dict[str, Any] = {
        "also_met": {
            f"{ISSUE_15_TARGET} (issue 15)": bench.judge(ISSUE_15_TARGET.met(per_task_ms))
        },
        "cpu_ms_per_task": {
            name: round(
                (median(values[1:]) - median(cpu[short_id][name][1:]))
                / (s.overhead_chain - 1)
                * 1000,
                3,
            )
            for name, values in cpu[long_id].items()
        },
    }
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
        target=str(TARGET),
        met=bench.judge(TARGET.met(per_task_ms)),
        notes=(
            f"ms_per_task = (t{s.overhead_chain} - t1) / {s.overhead_chain - 1}",
            "cpu_ms_per_task: the same difference of medians, of each process's CPU per run "
            "(jq_workers: the runner's live child processes)",
        ),
        extra=extra,
    )


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of the services, the runner's jq workers apart."""
    seconds = {name: procfs.cpu_seconds(pid) for name, pid in pids.items()}
    if "runner" in pids:
        seconds["jq_workers"] = procfs.tree_cpu_seconds(pids["runner"]) - seconds["runner"]
    return seconds
