"""Smoke test of the benchmark: its smallest mode runs end to end and writes valid JSON lines.

It checks that every scenario works and reports ours/baseline/ratio, not how fast anything is,
and that ``--compare`` reads an earlier run (here a made-up one) and the run's own output.
The benchmark starts its own embedded stack (``stigmer_devstack``) on free ports.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from stigmer_bench import cli

pytestmark = pytest.mark.e2e

SCENARIOS = {"memory", "latency", "task_overhead", "throughput", "fan_out", "api", "large_payload"}


EARLIER = [
    {"scenario": "latency", "params": {}, "ours": {"median_ms": 1e6}, "baseline": {}, "ratio": 1e3},
    {"scenario": "api", "error": "RuntimeError: earlier failure"},
    {"scenario": "retired", "params": {}, "ours": {"median_ms": 1.0}, "baseline": {}, "ratio": 1},
]
"""A made-up earlier run: latency far slower than any real one, a failed line, a gone scenario."""
EARLIER_API_PROBLEM = "error in the earlier run: RuntimeError: earlier failure"


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stigmer_bench", *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_quick_run_writes_one_valid_json_line_per_scenario(tmp_path: Path) -> None:
    output = tmp_path / "bench.jsonl"
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text("".join(json.dumps(line) + "\n" for line in EARLIER))
    done = _bench(
        "--quick",
        "--compare",
        str(earlier),
        "--output",
        str(output),
        "--data-dir",
        str(tmp_path / "stack"),
    )
    assert done.returncode == 0, done.stderr[-4000:]
    stdout_lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert stdout_lines == output.read_text().splitlines()
    results = [json.loads(line) for line in stdout_lines]
    assert {r["scenario"] for r in results} == SCENARIOS
    for result in results:
        assert "error" not in result, result
        assert result["ours"] and result["baseline"], result
        if result["ratio"] is None:  # only when the baseline figure was too small to divide by
            assert any("no ratio" in note for note in result["notes"]), result
        else:
            assert math.isfinite(result["ratio"]) and result["ratio"] > 0, result
        assert result["ratio_definition"] and result["target"], result
        assert result["met"] is None  # quick sizes are too small to judge a target
    assert "summary" in done.stderr
    throughput = next(r for r in results if r["scenario"] == "throughput")
    work = throughput["extra"]["temporal_work_per_execution"]
    # Read off real histories: two workflows and two activities against one and one.
    assert (work["ours"]["workflows"], work["baseline"]["workflows"]) == (2, 1), work
    assert work["ours"]["activities"] == 2 and work["baseline"]["activities"] == 1, work
    assert work["ours"]["events"] > work["baseline"]["events"] > 0, work
    _check_compare(results, done.stderr, earlier)
    again = _bench("--compare", str(output), "--against", str(output))
    assert again.returncode == 0, again.stderr
    figure_lines = [line for line in again.stdout.splitlines() if line.startswith("  ")]
    assert len(figure_lines) >= 3 * len(SCENARIOS), again.stdout
    assert all(" unchanged " in line or "met:" in line for line in figure_lines), again.stdout


def _check_compare(results: list[dict[str, Any]], stderr: str, earlier: Path) -> None:
    changes = {r["scenario"]: r["extra"]["compare"] for r in results}
    assert all(change["against"] == str(earlier) for change in changes.values())
    latency = next(r for r in results if r["scenario"] == "latency")
    median = changes["latency"]["figures"]["ours.median_ms"]
    assert (median["before"], median["after"]) == (1e6, latency["ours"]["median_ms"])
    assert median["verdict"] == "better" and median["change"] < 0
    assert changes["latency"]["figures"]["ratio"]["verdict"] == "better"
    assert changes["api"] == {"against": str(earlier), "problem": EARLIER_API_PROBLEM}
    assert changes["memory"]["problem"] == "not in the earlier run"
    assert f"compare: {earlier} -> this run" in stderr
    assert "retired: not in the later run" in stderr


def test_a_run_on_the_in_memory_temporal_store_is_marked(tmp_path: Path) -> None:
    """``--temporal-store memory`` runs the dev server without its SQLite file and says so in
    every line, so that ``--compare`` flags a comparison with a run on the file store."""
    stack = tmp_path / "stack"
    done = _bench(
        "--quick", "--only", "latency", "--temporal-store", "memory", "--data-dir", str(stack)
    )
    assert done.returncode == 0, done.stderr[-4000:]
    (line,) = [json.loads(text) for text in done.stdout.splitlines() if text.strip()]
    assert line["params"]["temporal_store"] == "memory", line
    assert stack.is_dir() and not (stack / "temporal.db").exists()
    with pytest.raises(SystemExit):
        cli.parse_args(["--endpoint", "h:1", "--temporal", "h:2", "--temporal-store", "memory"])
