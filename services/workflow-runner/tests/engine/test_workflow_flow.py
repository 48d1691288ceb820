"""Engine behaviour on the dev server: errors, progress rows, batching, flow, fork, context."""

from __future__ import annotations

from typing import Any

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from workflow_runner.engine.progress import FLUSH_EVERY_ROWS

ERR = "https://serverlessworkflow.io/spec/1.0.0/errors/"
HEAD = "document: {dsl: '1.0.3', namespace: test, name: flow, version: '1.0.0'}\n"


async def test_raise_fails_with_readable_application_error(engine: Any) -> None:
    run = await engine(
        HEAD
        + """
do:
  - check:
      do:
        - deny:
            if: ${ .age < 18 }
            raise:
              error:
                type: https://serverlessworkflow.io/spec/1.0.0/errors/authorization
                status: 403
                title: Forbidden
                detail: ${ "age \\(.age) is too young" }
""",
        {"age": 16},
    )
    assert run.error is not None
    assert run.error.type == "authorization"
    assert run.error.non_retryable
    assert run.error.message == "Forbidden: age 16 is too young (at /do/0/check/do/0/deny)"
    assert run.error_dict == {
        "type": ERR + "authorization",
        "status": 403,
        "title": "Forbidden",
        "detail": "age 16 is too young",
        "instance": "/do/0/check/do/0/deny",
    }
    rows = run.sink.latest()
    assert rows["/do/0/check/do/0/deny"].status == "FAILED"
    assert rows["/do/0/check"].status == "FAILED"
    assert run.sink.batches[-1].final and run.sink.batches[-1].workflow_status == "FAILED"


async def test_expression_error_type(engine: Any) -> None:
    run = await engine(HEAD + "do:\n  - bad:\n      set:\n        x: ${ .a + 1 }\n", {"a": "x"})
    assert run.error is not None
    assert run.error.type == "expression"
    assert run.error_dict["status"] == 400
    assert run.error_dict["instance"] == "/do/0/bad"


async def test_for_iterations_appear_in_progress(engine: Any) -> None:
    run = await engine(
        HEAD
        + """
do:
  - loop:
      for:
        in: .items
        each: it
      while: ${ (.sum // 0) < 5 }
      do:
        - add:
            set:
              sum: ${ (.sum // 0) + $it }
              at: ${ $index }
""",
        {"items": [1, 2, 3, 4]},
    )
    assert run.error is None, run.error
    assert run.output == {"sum": 6, "at": 2}
    rows = run.sink.latest()
    assert [rows[f"/do/0/loop[{i}]"].status for i in range(3)] == ["COMPLETED"] * 3
    assert "/do/0/loop[3]" not in rows
    assert rows["/do/0/loop/do/0/add[2]"].output == {"sum": 6, "at": 2}
    assert rows["/do/0/loop[1]"].task_kind == "for.iteration"
    assert rows["/do/0/loop"].status == "COMPLETED"


async def test_progress_is_batched(engine: Any) -> None:
    tasks = "".join(f"  - s{i}:\n      set:\n        n: ${{ (.n // 0) + 1 }}\n" for i in range(200))
    run = await engine(HEAD + "do:\n" + tasks, {})
    assert run.error is None, run.error
    assert run.output == {"n": 200}
    # Pure tasks cost no local activity each: fewer than FLUSH_EVERY_ROWS rows go out at once,
    # with the final status.
    assert FLUSH_EVERY_ROWS > 200
    batches = run.sink.batches
    assert len(batches) == 1
    final = batches[0]
    assert final.final and final.workflow_status == "COMPLETED" and final.output == {"n": 200}
    rows = [row for b in batches for row in b.tasks]
    assert len(rows) == 200
    assert all(row.status == "COMPLETED" and row.completed_at for row in rows)


async def test_progress_disabled(engine: Any) -> None:
    run = await engine(HEAD + "do:\n  - a:\n      set:\n        x: 1\n", report_progress=False)
    assert run.output == {"x": 1}
    assert run.sink.batches == []


async def test_large_values_are_capped_in_progress(engine: Any) -> None:
    run = await engine(HEAD + "do:\n  - big:\n      set:\n        s: ${ [range(5000)] }\n")
    assert run.error is None
    assert len(run.output["s"]) == 5000
    row = run.sink.latest()["/do/0/big"]
    assert row.output["_truncated"] is True


async def test_if_false_skips_and_passes_input(engine: Any) -> None:
    run = await engine(
        HEAD + "do:\n  - maybe:\n      if: .go\n      set:\n        x: 1\n", {"go": False}
    )
    assert run.output == {"go": False}
    assert run.sink.latest()["/do/0/maybe"].status == "SKIPPED"


async def test_exit_ends_only_the_current_scope_and_context_flows(engine: Any) -> None:
    run = await engine(
        HEAD
        + """
do:
  - inner:
      do:
        - one:
            set:
              v: 1
            export:
              as: '{seen: .v}'
            then: exit
        - never:
            set:
              v: 99
  - after:
      set:
        v: ${ .v + 1 }
        seen: ${ $context.seen }
        ts: ${ now | type }
        wf: ${ $workflow.definition.document.name }
        task: ${ $task.reference }
""",
    )
    assert run.error is None, run.error
    assert run.output == {"v": 2, "seen": 1, "ts": "number", "wf": "flow", "task": "/do/1/after"}


async def test_fork_without_and_with_compete(engine: Any) -> None:
    run = await engine(
        HEAD
        + """
do:
  - all:
      fork:
        branches:
          - a:
              set: {a: 1}
          - b:
              set: {b: 2}
  - race:
      fork:
        compete: true
        branches:
          - slow:
              wait: {seconds: 30}
          - fast:
              set: {winner: fast}
""",
    )
    assert run.error is None, run.error
    assert run.output == {"winner": "fast"}
    rows = run.sink.latest()
    assert rows["/do/0/all/fork/branches/1/b"].output == {"b": 2}
    assert rows["/do/1/race/fork/branches/0/slow"].status == "FAILED"


async def test_task_timeout(engine: Any) -> None:
    run = await engine(
        HEAD
        + "do:\n  - slow:\n      wait: PT30S\n      timeout:\n        after: {milliseconds: 200}\n"
    )
    assert run.error is not None
    assert run.error_dict["type"] == ERR + "timeout"
    assert run.error_dict["status"] == 408


async def test_invalid_definition_fails_the_workflow(engine: Any) -> None:
    run = await engine(HEAD + "do:\n  - a:\n      set: {x: 1}\n      then: nowhere\n")
    assert run.error is not None
    assert run.error.type == "configuration"


def test_unknown_then_target_is_rejected_at_load() -> None:
    with pytest.raises(DefinitionError) as info:
        load_workflow(HEAD + "do:\n  - a:\n      set: {x: 1}\n      then: nowhere\n")
    assert "/do/0/a/then" in str(info.value)
    assert "`nowhere`" in str(info.value)
