"""Smoke test of the benchmark: its smallest mode runs end to end and writes valid JSON lines.

It checks that every scenario works and reports ours/baseline/ratio, not how fast anything is.
The benchmark starts its own embedded stack (``stigmer_devstack``) on free ports.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SCENARIOS = {"memory", "latency", "task_overhead", "throughput", "fan_out", "api", "large_payload"}


def test_quick_run_writes_one_valid_json_line_per_scenario(tmp_path: Path) -> None:
    output = tmp_path / "bench.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stigmer_bench",
            "--quick",
            "--output",
            str(output),
            "--data-dir",
            str(tmp_path / "stack"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
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
