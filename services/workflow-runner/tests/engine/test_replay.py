"""Replays checked-in histories of the interpreter workflow: a non-deterministic change fails.

The recorded workflows cover the pure task types, a caught error, a timer, a `for` loop, a
`fork` and the progress local activity; ``caught_expression_budget.json`` (recorded by
test_expression_budget.py) a caught expression budget hit, replayed from its patch marker. Record
them again after an intended change with
``STIGMER_RECORD_HISTORIES=1 hatch run test services/workflow-runner/tests/engine/test_replay.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from stigmer_protos.temporal import data_converter, sandbox_runner
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer
from workflow_runner.engine import SANDBOX_PASSTHROUGH, ExecuteServerlessWorkflow

HISTORIES = Path(__file__).parent / "histories"

KITCHEN_SINK = """
document: {dsl: '1.0.0', namespace: replay, name: kitchen-sink, version: '1.0.0'}
do:
  - init:
      set:
        items: ${ .items }
        n: ${ .items | length }
      export:
        as: '${ {total: .n} }'
  - route:
      switch:
        - many: {when: '${ .n > 2 }', then: loop}
        - few: {then: end}
  - loop:
      for: {each: item, in: '${ .items }'}
      do:
        - double:
            set: {value: '${ $item * 2 }'}
  - pause:
      wait: {milliseconds: 50}
  - both:
      fork:
        branches:
          - left:
              set: {side: left}
          - right:
              set: {side: right}
  - guarded:
      try:
        - fail:
            raise:
              error:
                type: https://serverlessworkflow.io/spec/1.0.0/errors/validation
                status: 400
                title: Expected
      catch:
        as: err
        do:
          - recover:
              set: {recovered: '${ $err.status }', total: '${ $context.total }'}
"""


@pytest.mark.skipif(
    os.environ.get("STIGMER_RECORD_HISTORIES") != "1", reason="records histories on demand"
)
async def test_record(engine: Any, temporal_client: Client) -> None:
    run = await engine(KITCHEN_SINK, {"items": [1, 2, 3]})
    assert run.output == {"recovered": 400, "total": 3}
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / "kitchen_sink.json").write_text(
        json.dumps(json.loads(history.to_json()), indent=1) + "\n"
    )


LONG_LOOP = """
document: {dsl: '1.0.0', namespace: replay, name: long-loop, version: '1.0.0'}
do:
  - loop:
      for: {each: n, in: '${ [range(300)] }'}
      do:
        - double: {set: {v: '${ $n * 2 }'}}
"""


@pytest.mark.skipif(
    os.environ.get("STIGMER_RECORD_HISTORIES") != "1", reason="records histories on demand"
)
async def test_record_long_loop(engine: Any, temporal_client: Client) -> None:
    """A pure loop long enough to flush progress mid-run (the periodic-flush patch)."""
    run = await engine(LONG_LOOP)
    assert run.output == {"v": 598}
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    (HISTORIES / "long_pure_loop.json").write_text(
        json.dumps(json.loads(history.to_json()), indent=1) + "\n"
    )


def test_histories_are_checked_in() -> None:
    assert (HISTORIES / "kitchen_sink.json").exists()


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_replay(path: Path) -> None:
    replayer = Replayer(
        workflows=[ExecuteServerlessWorkflow],
        data_converter=data_converter(),
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    )
    await replayer.replay_workflow(
        WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())
    )
