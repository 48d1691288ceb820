"""The CTK: every scenario of ``<repo>/../shared/spec/ctk/features`` through the real engine.

External hosts (petstore, httpbin) are rewritten to a loopback stub serving the same shapes;
task-order assertions read the recorded progress rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from workflow_runner.conformance.ctk import (
    Scenario,
    arrange,
    check,
    load_scenarios,
    rewrite_hosts,
)
from workflow_runner.conformance.stub import StubServer

from .conftest import spec_dir

FEATURES = spec_dir() / "ctk" / "features"
if not FEATURES.exists():
    pytest.skip(f"CTK not found at {FEATURES}", allow_module_level=True)

SCENARIOS = load_scenarios(FEATURES)


def test_every_ctk_step_is_bound() -> None:
    assert len(SCENARIOS) == 21
    for scenario in SCENARIOS:
        arrange(scenario)


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s.id) for s in SCENARIOS])
async def test_ctk(run_document: Any, stub: StubServer, scenario: Scenario) -> None:
    arrangement = arrange(scenario)
    definition = rewrite_hosts(arrangement.definition, stub.url)
    observation = await run_document(definition, arrangement.input)
    failures = check(scenario, observation)
    assert not failures, "\n".join(failures)
