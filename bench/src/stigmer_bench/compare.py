"""Compare two runs' JSON lines: per scenario and figure, before, after and the change.

A run is the JSON lines the benchmark writes (stdout, or ``--output``). Only the numeric
figures of ``ours``, ``baseline`` and the ``ratio`` are compared; which way is better for each
figure is decided by :func:`better` alone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from stigmer_bench.results import format_figure

Better = Literal["lower", "higher"]
Verdict = Literal["better", "worse", "unchanged", "n/a"]

SECTIONS = ("ours", "baseline")
"""The parts of a JSON line whose numeric figures are compared (and ``ratio``)."""

_HIGHER_RATIOS = frozenset({"throughput", "api"})
"""Scenarios whose ratio is a rate of ours over the baseline's (higher is better); the ratio of
every other scenario is a cost (time or memory) of ours over the baseline's (lower is better)."""

_RATE = re.compile(r"_per_s$")
_COST = re.compile(r"(?:^|_)(?:ms|s|seconds|kib|mib|\d+mib)(?:_|$)")


def better(scenario: str, figure: str) -> Better | None:
    """Which way is better for one figure, or ``None`` when its name does not say.

    Rates (``*_per_s``) are better higher; times (``ms``, ``s``, ``seconds``) and sizes
    (``kib``, ``mib``) lower. The ``ratio`` follows the scenario's ratio definition.

    Args:
        scenario: Scenario name.
        figure: ``ratio`` or ``<section>.<name>``, e.g. ``ours.median_ms``.
    """
    if figure == "ratio":
        return "higher" if scenario in _HIGHER_RATIOS else "lower"
    name = figure.rpartition(".")[2]
    if _RATE.search(name):
        return "higher"
    if _COST.search(name):
        return "lower"
    return None


@dataclass(frozen=True)
class FigureChange:
    """One figure in both runs.

    Attributes:
        figure: ``ratio`` or ``<section>.<name>``.
        before: Its value in the earlier run (``None`` when absent there).
        after: Its value in the later run (``None`` when absent there).
        better: Which way is better, if known.
    """

    figure: str
    before: float | None
    after: float | None
    better: Better | None

    @property
    def change(self) -> float | None:
        """``(after - before) / before``; ``None`` when that is undefined."""
        if self.before is None or self.after is None or self.before == 0:
            return None
        if not (math.isfinite(self.before) and math.isfinite(self.after)):
            return None
        return (self.after - self.before) / abs(self.before)

    @property
    def verdict(self) -> Verdict:
        """Whether the later value is better, worse or the same for this figure."""
        if self.before is None or self.after is None:
            return "n/a"
        if self.after == self.before:
            return "unchanged"
        if self.better is None:
            return "n/a"
        lower = self.after < self.before
        return "better" if lower == (self.better == "lower") else "worse"

    def to_json(self) -> dict[str, Any]:
        """The figure as a JSON object."""
        change = self.change
        return {
            "before": self.before,
            "after": self.after,
            "change": None if change is None else round(change, 4),
            "better": self.better,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class ScenarioComparison:
    """One scenario in both runs.

    Attributes:
        scenario: Scenario name.
        figures: Its figures, ``ours`` then ``baseline`` then ``ratio``.
        problem: Why it cannot be compared (missing from a run, or a run's line has an
            ``error``); empty when it was compared.
        met: The target verdict of the earlier and of the later run.
        params_differ: The runs used different sizes (their figures are not comparable).
    """

    scenario: str
    figures: tuple[FigureChange, ...] = ()
    problem: str = ""
    met: tuple[bool | None, bool | None] = (None, None)
    params_differ: bool = False

    def to_json(self) -> dict[str, Any]:
        """The comparison as a JSON object (what ``extra.compare`` holds)."""
        if self.problem:
            return {"problem": self.problem}
        return {
            "figures": {f.figure: f.to_json() for f in self.figures},
            "met": {"before": self.met[0], "after": self.met[1]},
            "params_differ": self.params_differ,
        }

    def render(self) -> list[str]:
        """Human lines: a heading, then one line per figure."""
        if self.problem:
            return [f"{self.scenario}: {self.problem}"]
        heading = self.scenario
        if self.params_differ:
            heading += " (params differ: figures are not comparable)"
        lines = [heading]
        for f in self.figures:
            change = f.change
            pct = "n/a" if change is None else f"{change * 100:+.1f}%"
            direction = f"({f.better} is better)" if f.better else "(direction unknown)"
            lines.append(
                f"  {f.figure:<34} {format_figure(f.before):>9} -> {format_figure(f.after):<9} {pct:>8}  "
                f"{f.verdict} {direction}"
            )
        if self.met[0] is not None or self.met[1] is not None:
            lines.append(f"  met: {self.met[0]} -> {self.met[1]}")
        return lines


class RunFileError(ValueError):
    """A file of JSON lines cannot be read as a run."""


def parse_run(lines: Iterable[str], name: str = "<lines>") -> dict[str, Mapping[str, Any]]:
    """Read a run's JSON lines into scenario -> line; blank lines are skipped.

    A file ``--output`` appended to several times holds several runs: the last line of each
    scenario wins.

    Raises:
        RunFileError: A line is not a JSON object with a string ``scenario``.
    """
    run: dict[str, Mapping[str, Any]] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RunFileError(f"{name}:{number}: not JSON: {exc}") from exc
        if not isinstance(line, dict) or not isinstance(line.get("scenario"), str):
            raise RunFileError(f"{name}:{number}: not a benchmark line (no 'scenario')")
        run.pop(line["scenario"], None)  # keep the order of the last occurrences
        run[line["scenario"]] = line
    return run


def load_run(path: Path) -> dict[str, Mapping[str, Any]]:
    """Read a file of a run's JSON lines (see :func:`parse_run`).

    Raises:
        RunFileError: The file cannot be read or holds no benchmark line.
    """
    try:
        text = path.read_text()
    except OSError as exc:
        raise RunFileError(f"{path}: {exc.strerror or exc}") from exc
    run = parse_run(text.splitlines(), str(path))
    if not run:
        raise RunFileError(f"{path}: no benchmark lines")
    return run


def compare_scenario(
    scenario: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> ScenarioComparison:
    """Compare one scenario's lines of two runs (either may be missing or an ``error`` line)."""
    for line, run in ((before, "earlier"), (after, "later")):
        if line is None:
            return ScenarioComparison(scenario, problem=f"not in the {run} run")
        if "error" in line:
            return ScenarioComparison(scenario, problem=f"error in the {run} run: {line['error']}")
    assert before is not None and after is not None
    old, new = _figures(before), _figures(after)
    names = list(old) + [n for n in new if n not in old]
    return ScenarioComparison(
        scenario,
        figures=tuple(FigureChange(n, old.get(n), new.get(n), better(scenario, n)) for n in names),
        met=(before.get("met"), after.get("met")),
        params_differ=before.get("params") != after.get("params"),
    )


def compare_runs(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> list[ScenarioComparison]:
    """Compare every scenario of either run: the later run's order, then the earlier-only ones."""
    names = list(after) + [n for n in before if n not in after]
    return [compare_scenario(n, before.get(n), after.get(n)) for n in names]


def render(comparisons: Iterable[ScenarioComparison], before: str, after: str) -> str:
    """The human report of ``comparisons`` of run ``before`` against run ``after``."""
    lines = [f"compare: {before} -> {after} (before -> after, relative change)"]
    for comparison in comparisons:
        lines.extend(comparison.render())
    return "\n".join(lines)


def _figures(line: Mapping[str, Any]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for section in SECTIONS:
        values = line.get(section)
        if isinstance(values, Mapping):
            for name, value in values.items():
                if _is_number(value):
                    figures[f"{section}.{name}"] = float(value)
    if _is_number(line.get("ratio")):
        figures["ratio"] = float(line["ratio"])
    return figures


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
