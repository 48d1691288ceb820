"""The benchmark's scenarios, one module each; each returns a :class:`ScenarioResult`.

Every scenario measures Stigmer against a same-run baseline (a plain Temporal worker, or the
closest thing there is); :mod:`._bench` holds what they share (sizes, connections, the paired
runs, timing and memory sampling).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from stigmer_bench.results import ScenarioResult
from stigmer_bench.scenarios import (
    api_load,
    fan_out,
    large_payload,
    latency,
    memory,
    task_overhead,
    throughput,
)
from stigmer_bench.scenarios._bench import FULL, QUICK, Bench, Sizes

SCENARIOS: dict[str, Callable[[Bench], Awaitable[ScenarioResult]]] = {
    "memory": memory.memory,
    "latency": latency.latency,
    "task_overhead": task_overhead.task_overhead,
    "throughput": throughput.throughput,
    "fan_out": fan_out.fan_out,
    "api": api_load.api,
    "large_payload": large_payload.large_payload,
}
"""Every scenario, in the order they run (memory first, before the heaps have grown)."""

__all__ = ["FULL", "QUICK", "SCENARIOS", "Bench", "Sizes"]
