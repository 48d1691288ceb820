"""Benchmarks of the Stigmer stack, each measured against a baseline in the same run.

``python -m stigmer_bench`` starts its own stack (or uses ``--endpoint`` and ``--temporal``),
runs the scenarios and writes one JSON line per scenario (ours, the baseline's, the ratio), then
a short human summary on stderr. See ``docs/performance.md``.
"""

from __future__ import annotations

from stigmer_bench.results import ScenarioResult

__all__ = ["ScenarioResult"]
