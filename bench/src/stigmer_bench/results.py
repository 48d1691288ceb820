"""Result records, statistics and their JSON/human rendering."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Target:
    """A bound on one figure, e.g. ``<= 2.5`` (a ratio) or ``<= 1 ms per pure task``.

    Attributes:
        op: ``<=`` (the figure must not exceed ``limit``) or ``>=``.
        limit: The bound.
        unit: What the figure counts, after the number (empty for a ratio).
        subject: What is bounded, before the operator (e.g. ``updateStatus``), if needed.
    """

    op: Literal["<=", ">="]
    limit: float
    unit: str = ""
    subject: str = ""

    def met(self, value: float) -> bool:
        """Whether ``value`` is within the bound."""
        return value <= self.limit if self.op == "<=" else value >= self.limit

    def __str__(self) -> str:
        return " ".join(filter(None, (self.subject, self.op, f"{self.limit:g}", self.unit)))


@dataclass(frozen=True)
class ScenarioResult:
    """The figures of one scenario.

    Attributes:
        scenario: Scenario name (``throughput``, ``task_overhead`` ...).
        params: The sizes it ran with.
        ours: Our figures (name -> number).
        baseline: The baseline's figures, measured in the same run.
        ratio: The headline ratio, defined by ``ratio_definition``; None when the baseline
            figure is too small to divide by (the notes say why).
        ratio_definition: What ``ratio`` divides by what, and which way is better.
        target: The target in words.
        met: Whether the target is met (``None`` when the run is too small to judge).
        notes: Remarks worth keeping with the figures.
        extra: Further figures (secondary ratios, profile summary ...); ``also_met`` maps
            further targets to their verdicts, ``compare`` holds the change against an earlier
            run (``--compare``, see :mod:`stigmer_bench.compare`).
    """

    scenario: str
    params: Mapping[str, Any]
    ours: Mapping[str, float]
    baseline: Mapping[str, float]
    ratio: float | None
    ratio_definition: str
    target: str
    met: bool | None
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the result as one JSON line (no newline)."""
        return json.dumps(
            {
                "scenario": self.scenario,
                "params": dict(self.params),
                "ours": {k: _round(v) for k, v in self.ours.items()},
                "baseline": {k: _round(v) for k, v in self.baseline.items()},
                "ratio": _round(self.ratio),
                "ratio_definition": self.ratio_definition,
                "target": self.target,
                "met": self.met,
                "notes": list(self.notes),
                "extra": dict(self.extra),
            },
            sort_keys=False,
            default=str,
        )

    def summary(self) -> str:
        """Return a one-line human summary."""
        ours = ", ".join(f"{k}={format_figure(v)}" for k, v in self.ours.items())
        also = "".join(
            f"; {target}: {_VERDICTS[met]}"
            for target, met in self.extra.get("also_met", {}).items()
        )
        return (
            f"{self.scenario:<14} ratio={format_figure(self.ratio)} ({self.ratio_definition}); "
            f"target {self.target}: {_VERDICTS[self.met]}{also}\n{'':<15}ours: {ours}"
        )


_VERDICTS = {True: "MET", False: "MISSED", None: "n/a"}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def format_figure(value: float | None) -> str:
    """A figure for people: thousands separated above 100, else three significant digits."""
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the ``pct`` percentile (0-100) of ``values`` by linear interpolation.

    Raises:
        ValueError: ``values`` is empty.
    """
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """Return the median of ``values``."""
    return float(statistics.median(values))


def safe_ratio(numerator: float, denominator: float) -> float:
    """Return ``numerator / denominator``, or ``inf`` when the denominator is 0."""
    return numerator / denominator if denominator else float("inf")
