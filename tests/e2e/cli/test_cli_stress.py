"""``stigmer run`` exits every time: the short variant of ``hatch run cli-stress``.

Issue 25: about one ``stigmer run`` in a hundred never exited after printing its result. Twenty
runs against the session's stack must all complete, none killed at its time limit and none
ended by the CLI's exit watchdog (docs/adr/0014-cli-grpc-lifecycle.md). Twenty, not a hundred,
keeps the suite within its time budget; the thousand-run check is ``hatch run cli-stress``.
"""

from __future__ import annotations

import pytest
from stigmer_bench.cli_stress import stress

pytestmark = pytest.mark.e2e

RUNS = 20


@pytest.mark.timeout(1200)
def test_twenty_runs_all_exit(endpoint: str) -> None:
    report = stress(endpoint, RUNS, parallel=2)
    assert (report.runs, report.hung, report.failed) == (RUNS, 0, 0), report.problems
