"""Expressions over budget in workflow code: the task faults, and replay reproduces it from history."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stigmer_protos.temporal import data_converter, sandbox_runner
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer
from workflow_runner.engine import (
    SANDBOX_PASSTHROUGH,
    ExecuteServerlessWorkflow,
    expression_pool,
    secrets,
)
from workflow_runner.engine.config import ExpressionBudget
from workflow_runner.engine.expression_budget import MARKER_PREFIX

BURN = "reduce range(1e12) as $i (0; . + 1)"

ONLY_BURN = f"""
document: {{dsl: '1.0.0', namespace: test, name: burn, version: '1.0.0'}}
do:
  - burn:
      set: {{n: '${{ {BURN} }}'}}
"""

CAUGHT_BURN = f"""
document: {{dsl: '1.0.0', namespace: test, name: caught-burn, version: '1.0.0'}}
do:
  - before:
      set: {{a: '${{ .x + 1 }}'}}
  - guarded:
      try:
        - burn:
            set: {{n: '${{ {BURN} }}'}}
      catch:
        as: err
        do:
          - recover:
              set:
                status: '${{ $err.status }}'
                type: '${{ $err.type }}'
  - after:
      set: {{status: '${{ .status }}', doubled: '${{ .status * 2 }}'}}
"""


@pytest.fixture
def small_budget() -> Iterator[expression_pool.ExpressionPool]:
    # The engine runs in this process: its expressions use the installed pool.
    yield expression_pool.install(ExpressionBudget(cpu_seconds=0.2, wall_slack_seconds=1.2))
    expression_pool.install(ExpressionBudget())


async def _history(client: Client, workflow_id: str) -> WorkflowHistory:
    return await client.get_workflow_handle(workflow_id).fetch_history()


def _budget_markers(history: WorkflowHistory) -> list[str]:
    """Ids of the expression budget patch markers in ``history``."""
    ids = []
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            details = event.marker_recorded_event_attributes.details
            if "patch-data" in details:
                patch = json.loads(details["patch-data"].payloads[0].data)
                if patch["id"].startswith(MARKER_PREFIX):
                    ids.append(patch["id"])
    return ids


async def _replay(history: WorkflowHistory) -> None:
    replayer = Replayer(
        workflows=[ExecuteServerlessWorkflow],
        data_converter=data_converter(),
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    )
    await replayer.replay_workflow(history)


async def test_a_burn_faults_its_task_and_replay_follows_history(
    engine: Any, temporal_client: Client, small_budget: expression_pool.ExpressionPool
) -> None:
    run = await engine(ONLY_BURN, {})
    error = run.error_dict
    assert error["type"].endswith("/errors/runtime")
    assert error["status"] == 500
    assert error["title"] == "Expression budget exceeded"
    assert error["instance"] == "/do/0/burn"
    assert "exceeded the expression budget" in error["detail"]
    assert run.sink.latest()["/do/0/burn"].status == "FAILED"
    history = await _history(temporal_client, run.workflow_id)
    assert len(_budget_markers(history)) == 1
    assert _budget_markers(history)[0].startswith(f"{MARKER_PREFIX}0-")

    # A replay with an unbounded budget still faults the task: history decides, not the clock.
    replay_pool = expression_pool.install(ExpressionBudget(cpu_seconds=3600))
    await _replay(history)
    assert replay_pool.workers_started == 0


async def test_a_caught_burn_goes_on_and_replays(
    engine: Any, temporal_client: Client, small_budget: expression_pool.ExpressionPool
) -> None:
    run = await engine(CAUGHT_BURN, {"x": 1})
    assert run.output == {"status": 500, "doubled": 1000}
    history = await _history(temporal_client, run.workflow_id)
    assert [m.rsplit("-", 1)[0] for m in _budget_markers(history)] == [f"{MARKER_PREFIX}1"]
    await _replay(history)
    if os.environ.get("STIGMER_RECORD_HISTORIES") == "1":  # replayed by test_replay.py
        (Path(__file__).parent / "histories" / "caught_expression_budget.json").write_text(
            json.dumps(json.loads(history.to_json()), indent=1) + "\n"
        )


async def test_output_over_budget_is_a_runtime_fault(
    engine: Any, small_budget: expression_pool.ExpressionPool
) -> None:
    expression_pool.install(ExpressionBudget(max_output_bytes=1000))
    run = await engine(ONLY_BURN.replace(BURN, "[range(1000)]"), {})
    assert run.error_dict["instance"] == "/do/0/burn"
    assert "its output is 4890 bytes, at most 1000 are allowed" in run.error_dict["detail"]


async def test_a_replay_that_cannot_finish_an_evaluation_fails_the_workflow_task(
    engine: Any, temporal_client: Client
) -> None:
    expression_pool.install(ExpressionBudget(cpu_seconds=1))
    try:
        run = await engine(ONLY_BURN.replace("1e12", "3e5"), {})
        assert run.output == {"n": 300000}
        history = await _history(temporal_client, run.workflow_id)
        assert _budget_markers(history) == []
        # The original run finished the evaluation; a replay on a (much) smaller budget must
        # not take another path: its workflow task fails instead.
        expression_pool.install(ExpressionBudget(cpu_seconds=0.001, wall_slack_seconds=0.01))
        with pytest.raises(RuntimeError, match="exceeded 4 times that budget on replay"):
            await _replay(history)
    finally:
        expression_pool.install(ExpressionBudget())


def test_a_secret_expression_over_budget_fails_its_activity_for_good(
    small_budget: expression_pool.ExpressionPool,
) -> None:
    # Activity side: no marker, the activity's failure is what history records.
    site = secrets.SecretSite(("headers", "X"), expression=f"$secrets.token + ({BURN} | tostring)")
    with pytest.raises(ApplicationError) as info:
        secrets.resolve({"X": None}, "headers", [site], {"data": {}}, {"token": "s3cr3t-value"})
    assert info.value.non_retryable
    assert info.value.type == "runtime"
    assert "exceeded the expression budget" in str(info.value)
    assert "s3cr3t-value" not in f"{info.value} {info.value.details}"
