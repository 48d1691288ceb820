"""Comparing two runs' JSON lines: directions, verdicts, missing and failed scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from stigmer_bench import cli
from stigmer_bench.compare import (
    FigureChange,
    RunFileError,
    better,
    compare_runs,
    compare_scenario,
    load_run,
    parse_run,
    render,
)


def _line(scenario: str, ratio: float | None, **ours: float) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "params": {"repeats": 20},
        "ours": ours,
        "baseline": {"median_ms": 60.0},
        "ratio": ratio,
        "met": False,
        "extra": {},
    }


@pytest.mark.parametrize(
    ("scenario", "figure", "expected"),
    [
        ("latency", "ours.median_ms", "lower"),
        ("latency", "ratio", "lower"),
        ("task_overhead", "ours.ms_per_task", "lower"),
        ("task_overhead", "ours.t200_ms", "lower"),
        ("throughput", "ours.executions_per_s", "higher"),
        ("throughput", "ratio", "higher"),
        ("api", "ours.update_status_per_s", "higher"),
        ("api", "baseline.health_check_per_s", "higher"),
        ("api", "ratio", "higher"),
        ("api", "ours.subscribe_delivery_p95_ms", "lower"),
        ("memory", "ours.kib_per_execution", "lower"),
        ("memory", "ours.create_all_s", "lower"),
        ("memory", "ratio", "lower"),
        ("large_payload", "ours.seconds_20mib", "lower"),
        ("large_payload", "ours.peak_rss_mib_set_for_10mib", "lower"),
        ("fan_out", "ratio", "lower"),
        ("fan_out", "ours.items", None),
    ],
)
def test_better_knows_which_way_each_figure_improves(
    scenario: str, figure: str, expected: str | None
) -> None:
    assert better(scenario, figure) == expected


@pytest.mark.parametrize(
    ("before", "after", "direction", "verdict", "change"),
    [
        (200.0, 150.0, "lower", "better", -0.25),
        (200.0, 250.0, "lower", "worse", 0.25),
        (8.0, 10.0, "higher", "better", 0.25),
        (8.0, 6.0, "higher", "worse", -0.25),
        (8.0, 8.0, "higher", "unchanged", 0.0),
        (8.0, 10.0, None, "n/a", 0.25),
        (0.0, 1.0, "lower", "worse", None),
        (None, 1.0, "lower", "n/a", None),
        (1.0, None, "lower", "n/a", None),
    ],
)
def test_figure_change_marks_better_or_worse_by_direction(
    before: float | None,
    after: float | None,
    direction: Any,
    verdict: str,
    change: float | None,
) -> None:
    figure = FigureChange("ours.x", before, after, direction)
    assert figure.verdict == verdict
    assert figure.change == (None if change is None else pytest.approx(change))


def test_compare_scenario_covers_ours_baseline_and_ratio() -> None:
    before = _line("latency", 3.0, median_ms=180.0, p95_ms=250.0)
    after = {**_line("latency", 2.4, median_ms=144.0), "met": True}
    comparison = compare_scenario("latency", before, after)
    figures = comparison.to_json()["figures"]
    assert list(figures) == ["ours.median_ms", "ours.p95_ms", "baseline.median_ms", "ratio"]
    assert figures["ours.median_ms"] == {
        "before": 180.0,
        "after": 144.0,
        "change": -0.2,
        "better": "lower",
        "verdict": "better",
    }
    assert figures["ours.p95_ms"]["verdict"] == "n/a"  # gone from the later run
    assert figures["baseline.median_ms"]["verdict"] == "unchanged"
    assert figures["ratio"]["verdict"] == "better"
    assert comparison.to_json()["met"] == {"before": False, "after": True}
    assert not comparison.params_differ


def test_compare_runs_reports_errors_and_missing_scenarios() -> None:
    before = {
        "latency": _line("latency", 3.0, median_ms=180.0),
        "api": {"scenario": "api", "error": "RuntimeError: boom"},
        "memory": _line("memory", 1.0, kib_per_execution=100.0),
    }
    after = {
        "fan_out": _line("fan_out", 2.0, median_ms=1000.0),
        "latency": {**_line("latency", 3.3, median_ms=198.0), "params": {"repeats": 2}},
        "api": _line("api", 0.3, update_status_per_s=500.0),
    }
    comparisons = {c.scenario: c for c in compare_runs(before, after)}
    assert list(comparisons) == ["fan_out", "latency", "api", "memory"]
    assert comparisons["fan_out"].problem == "not in the earlier run"
    assert comparisons["memory"].problem == "not in the later run"
    assert comparisons["api"].problem == "error in the earlier run: RuntimeError: boom"
    assert comparisons["latency"].params_differ
    assert comparisons["latency"].to_json()["figures"]["ratio"]["verdict"] == "worse"
    text = render(comparisons.values(), "old.jsonl", "new.jsonl")
    assert "fan_out: not in the earlier run" in text
    assert "latency (params differ" in text
    assert "+10.0%  worse (lower is better)" in text


def test_parse_run_keeps_the_last_line_of_each_scenario() -> None:
    lines = [
        json.dumps(_line("latency", 3.0)),
        "",
        json.dumps(_line("memory", 1.0)),
        json.dumps(_line("latency", 2.0)),
    ]
    run = parse_run(lines)
    assert list(run) == ["memory", "latency"]
    assert run["latency"]["ratio"] == 2.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json\n", "x.jsonl:1: not JSON"),
        ('{"scenario": "latency"}\n[1]\n', "x.jsonl:2: not a benchmark line"),
        ("\n\n", "x.jsonl: no benchmark lines"),
    ],
)
def test_load_run_names_the_bad_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(text)
    with pytest.raises(RunFileError) as raised:
        load_run(path)
    assert str(raised.value).startswith(str(tmp_path / message))


def test_cli_compares_two_files_without_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text(json.dumps(_line("throughput", 0.45, executions_per_s=8.0)) + "\n")
    new.write_text(json.dumps(_line("throughput", 0.5, executions_per_s=10.0)) + "\n")
    assert cli.main(["--compare", str(old), "--against", str(new)]) == 0
    out = capsys.readouterr().out
    assert f"compare: {old} -> {new}" in out
    assert "+25.0%  better (higher is better)" in out


def test_cli_rejects_against_without_compare_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli.parse_args(["--against", str(tmp_path / "new.jsonl")])
    with pytest.raises(SystemExit):
        cli.parse_args(["--compare", str(tmp_path / "missing.jsonl")])
    saved = tmp_path / "run.jsonl"
    saved.write_text(json.dumps(_line("latency", 2.0)) + "\n")
    with pytest.raises(SystemExit):
        cli.parse_args(["--compare", str(saved), "--against", str(saved), "--quick"])
    assert cli.parse_args(["--compare", str(saved)]).earlier == parse_run(
        saved.read_text().splitlines()
    )
