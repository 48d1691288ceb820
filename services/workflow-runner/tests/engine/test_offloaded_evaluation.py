"""Expressions over a large context run in the evaluation local activity, not in workflow code."""

from __future__ import annotations

import json
from typing import Any

from stigmer_protos.limits import EXPRESSION_OFFLOAD_BYTES
from stigmer_protos.temporal import data_converter, sandbox_runner
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer
from workflow_runner.engine import SANDBOX_PASSTHROUGH, ExecuteServerlessWorkflow, expression_pool
from workflow_runner.engine.config import ExpressionBudget
from workflow_runner.engine.offloaded_evaluation import OFFLOAD_PATCH

ITEMS = [{"id": i, "text": "x" * 100} for i in range(3000)]  # about 350 KB of JSON

SET_AND_FOR = """
document: {dsl: '1.0.0', namespace: test, name: large-context, version: '1.0.0'}
do:
  - shape:
      set:
        items: '${ .items }'
        total: '${ .items | length }'
  - loop:
      for: {each: item, in: '${ .items[0:2] }'}
      do:
        - tag:
            set: '${ . + {last: $item.id} }'
  - small:
      set: {count: '${ .total }', last: '${ .last }'}
"""

BURN = """
document: {dsl: '1.0.0', namespace: test, name: large-burn, version: '1.0.0'}
do:
  - burn:
      set: {n: '${ reduce range(1e12) as $i (0; . + 1) }', k: '${ .items | length }'}
"""


def _local_activities(history: WorkflowHistory) -> int:
    return sum(
        1
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and event.marker_recorded_event_attributes.marker_name == "core_local_activity"
    )


def _patched(history: WorkflowHistory, patch_id: str) -> bool:
    return any(
        event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and patch_id.encode() in event.marker_recorded_event_attributes.SerializeToString()
        for event in history.events
    )


async def _replay(history: WorkflowHistory) -> None:
    replayer = Replayer(
        workflows=[ExecuteServerlessWorkflow],
        data_converter=data_converter(),
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    )
    await replayer.replay_workflow(history)


async def test_set_and_for_over_a_large_context_evaluate_in_the_local_activity(
    engine: Any, temporal_client: Client
) -> None:
    assert len(json.dumps({"items": ITEMS})) > EXPRESSION_OFFLOAD_BYTES
    run = await engine(SET_AND_FOR, {"items": ITEMS}, report_progress=False)

    assert run.output == {"count": len(ITEMS), "last": 1}
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    assert _patched(history, OFFLOAD_PATCH)
    # shape (2), for.in (1), tag twice (2), small (2: its context still holds the items).
    assert _local_activities(history) == 7
    # A replay reads the recorded outcomes: no large evaluation runs again.
    replay_pool = expression_pool.install(ExpressionBudget())
    try:
        await _replay(history)
        assert replay_pool.workers_started == 0
    finally:
        expression_pool.install(ExpressionBudget())


async def test_a_small_context_stays_in_workflow_code(engine: Any, temporal_client: Client) -> None:
    run = await engine(SET_AND_FOR, {"items": ITEMS[:10]}, report_progress=False)

    assert run.output == {"count": 10, "last": 1}
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    assert not _patched(history, OFFLOAD_PATCH)
    assert _local_activities(history) == 0


async def test_a_budget_hit_over_a_large_context_faults_the_task_from_history(
    engine: Any, temporal_client: Client
) -> None:
    expression_pool.install(ExpressionBudget(cpu_seconds=0.2, wall_slack_seconds=1.2))
    try:
        run = await engine(BURN, {"items": ITEMS}, report_progress=False)
    finally:
        expression_pool.install(ExpressionBudget())

    error = run.error_dict
    assert error["title"] == "Expression budget exceeded"
    assert error["instance"] == "/do/0/burn"
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    assert _local_activities(history) == 1
    # Replayed with an unbounded budget, the recorded overrun still faults the task.
    replay_pool = expression_pool.install(ExpressionBudget(cpu_seconds=3600))
    try:
        await _replay(history)
        assert replay_pool.workers_started == 0
    finally:
        expression_pool.install(ExpressionBudget())
