"""Continue-as-new at safe points: same output as one run, several runs in the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stigmer_protos.temporal import sandbox_runner
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Replayer
from workflow_runner.engine import EVENT_SIGNAL, SANDBOX_PASSTHROUGH, ExecuteServerlessWorkflow

HEAD = "document: {dsl: '1.0.3', namespace: test, name: can, version: '1.0.0'}\n"


async def _histories(client: Client, workflow_id: str, first_run_id: str) -> list[Any]:
    """Follow the ContinuedAsNew chain from the first run; return every run's history."""
    histories, run_id = [], first_run_id
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.append(history)
        last = history.events[-1]
        run_id = ""
        if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return histories


async def _runs(client: Client, workflow_id: str, first_run_id: str) -> int:
    """How many runs the execution took."""
    return len(await _histories(client, workflow_id, first_run_id))


SETS = (
    HEAD
    + "input:\n  from: '{n: .start}'\n"
    + "output:\n  as: '{n, trail: $context.trail, started: $workflow.startedAt.iso8601}'\n"
    + "do:\n"
    + "".join(
        f"""  - step{i}:
      set:
        n: ${{ .n + {i} }}
      export:
        as: '{{trail: (($context.trail // []) + [{i}])}}'
"""
        for i in range(12)
    )
    + """  - last:
      set:
        n: ${ .n }
        started: ${ $workflow.startedAt.iso8601 }
      output:
        as: '{n, started0: .started}'
      then: end
  - never:
      set: {n: -1}
"""
)


async def test_top_level_tasks_continue_as_new(engine: Any, temporal_client: Client) -> None:
    plain = await engine(SETS, {"start": 100})
    assert plain.error is None, plain.error
    assert await _runs(temporal_client, plain.workflow_id, plain.first_run_id) == 1
    assert plain.output["n"] == 100 + sum(range(12))
    assert plain.output["trail"] == list(range(12))

    run = await engine(SETS, {"start": 100}, input_options={"tasks_per_run_limit": 4})
    assert run.error is None, run.error
    # the start time is carried: the output (which quotes it) is the same shape and value
    assert run.output["n"] == plain.output["n"]
    assert run.output["trail"] == plain.output["trail"]
    assert await _runs(temporal_client, run.workflow_id, run.first_run_id) == 4
    rows = run.sink.latest()
    assert [rows[f"/do/{i}/step{i}"].status for i in range(12)] == ["COMPLETED"] * 12
    assert "/do/13/never" not in rows
    sequences = [batch.sequence for batch in run.sink.batches]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert run.sink.batches[-1].final and run.sink.batches[-1].workflow_status == "COMPLETED"


LOOP = (
    HEAD
    + """do:
  - init:
      set: {total: 0, seen: []}
  - loop:
      for:
        in: ${ [range(10)] }
        each: x
      while: ${ .total < 40 }
      input:
        from: '. + {offset: 1}'
      do:
        - add:
            set:
              total: ${ .total + $x + .offset }
              seen: ${ .seen + [$x] }
              offset: ${ .offset }
            export:
              as: '{count: (($context.count // 0) + 1)}'
      output:
        as: '{total, seen, count: $context.count, started: $task.startedAt.iso8601}'
  - after:
      set:
        total: ${ .total }
        seen: ${ .seen }
        count: ${ .count }
        loopStarted: ${ .started }
"""
)


async def test_top_level_for_iterations_continue_as_new(
    engine: Any, temporal_client: Client
) -> None:
    plain = await engine(LOOP)
    assert plain.error is None, plain.error
    assert plain.output["seen"] == list(range(9))
    run = await engine(LOOP, input_options={"tasks_per_run_limit": 3})
    assert run.error is None, run.error
    assert {k: v for k, v in run.output.items() if k != "loopStarted"} == {
        k: v for k, v in plain.output.items() if k != "loopStarted"
    }
    histories = await _histories(temporal_client, run.workflow_id, run.first_run_id)
    # init + 9 iterations with a safe point every 3 steps (the first one in a run never stops)
    assert len(histories) == 4
    replayer = Replayer(
        workflows=[ExecuteServerlessWorkflow],
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    )
    for history in histories:  # every run replays deterministically
        await replayer.replay_workflow(history)
    rows = run.sink.latest()
    loop = rows["/do/1/loop"]
    assert loop.status == "COMPLETED" and loop.task_kind == "for" and loop.task_name == "loop"
    # $task.startedAt of the for task is the first run's, also after several continues
    assert loop.started_at is not None
    assert datetime.fromisoformat(run.output["loopStarted"]) == datetime.fromisoformat(
        loop.started_at
    )
    iterations = [rows[f"/do/1/loop[{i}]"].status for i in range(9)]
    assert iterations == ["COMPLETED"] * 9
    assert "/do/1/loop[9]" not in rows


LISTEN = (
    HEAD
    + """do:
  - a:
      set: {x: 1}
  - b:
      set: {x: 2}
  - c:
      listen:
        to:
          one:
            with: {type: early}
  - d:
      set:
        got: ${ .[0].v }
"""
)


async def test_buffered_events_survive_continue_as_new(
    engine: Any, temporal_client: Client
) -> None:
    run = await engine(
        LISTEN,
        input_options={"tasks_per_run_limit": 1},
        start_options={
            "start_signal": EVENT_SIGNAL,
            "start_signal_args": [{"type": "early", "data": {"v": 7}}],
        },
    )
    assert run.error is None, run.error
    assert run.output == {"got": 7}
    assert await _runs(temporal_client, run.workflow_id, run.first_run_id) == 4


WAITS = (
    HEAD
    + "do:\n"
    + "".join(f"  - w{i}:\n      wait: {{milliseconds: 1}}\n" for i in range(6))
    + "  - done:\n      set: {ok: true}\n"
)


async def test_history_length_limit(engine: Any, temporal_client: Client) -> None:
    run = await engine(WAITS, report_progress=False, input_options={"history_length_limit": 8})
    assert run.error is None, run.error
    assert run.output == {"ok": True}
    assert await _runs(temporal_client, run.workflow_id, run.first_run_id) >= 2
