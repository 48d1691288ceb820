"""Chaos soak, short variant of ``hatch run soak`` (docs/adr/0034-chaos-soak.md).

Two stigmer-server and three workflow-runner replicas on a single Redis and a Temporal dev
server of their own; a mix of http, wait, fan-out and try/retry executions; replicas SIGKILLed
and restarted at random. Every execution must end COMPLETED with its own output, each stored
once with one interpreter workflow, and no side effect may be missing (repeats are reported).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from stigmer_bench.soak.run import SoakConfig, soak

pytestmark = pytest.mark.e2e

EXECUTIONS = 40
KILLS = 2
# Draws a runner, then a server as the victims (asserted below).
SEED = 11


@pytest.mark.timeout(600)
async def test_short_chaos_soak(tmp_path: Path) -> None:
    config = SoakConfig(
        executions=EXECUTIONS,
        kills=KILLS,
        kill_every_s=(4.0, 8.0),
        out=tmp_path,
        limit_s=300.0,
        seed=SEED,
    )
    report = await soak(config)
    print(report.markdown())
    assert report.problems == [], report.markdown()
    assert [k.replica.split("-")[0] for k in report.kills] == ["runner", "server"], report.kills
    assert report.phases == {"EXECUTION_COMPLETED": EXECUTIONS}
