from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google.protobuf import Struct
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.workflowexecution.record_bounds import (
    DROPPED_ID,
    bound_status,
    marker,
    status_budget,
)
from stigmer_server.workflowexecution.status_merge import merge_status

P = wex.ExecutionPhase
T = wex.WorkflowTaskStatus
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LOOP = "/do/0/loop"
STEP = "/do/0/loop/for/do/0/step"


def row(tid: str, status: wex.WorkflowTaskStatus = T.WORKFLOW_TASK_COMPLETED, **kw: Any) -> Any:
    return wex.WorkflowTask(task_id=tid, task_name=tid.rsplit("/", 1)[-1], status=status, **kw)


def iteration(i: int, status: wex.WorkflowTaskStatus = T.WORKFLOW_TASK_COMPLETED) -> list[Any]:
    value = Struct.from_dict({"n": i, "text": "x" * 300})
    return [
        row(f"{STEP}[{i}]", status, input=value, output=value, error="boom" * (status == 4)),
        row(f"{LOOP}[{i}]", status, output=value),
    ]


def apply(
    current: wex.WorkflowExecutionStatus, tasks: list[Any], budget: int = limits.MAX_STATUS_BYTES
) -> wex.WorkflowExecutionStatus:
    update = wex.WorkflowExecutionStatus(tasks=tasks)
    return bound_status(merge_status(current, update, NOW), budget)


def run_loop(n: int, batch: int = 25) -> wex.WorkflowExecutionStatus:
    status = wex.WorkflowExecutionStatus(phase=P.EXECUTION_IN_PROGRESS)
    status = apply(status, [row("/do/0/loop", T.WORKFLOW_TASK_IN_PROGRESS)])
    for start in range(0, n, batch):
        status = apply(status, [t for i in range(start, start + batch) for t in iteration(i)])
    return status


def folded(status: wex.WorkflowExecutionStatus, family: str) -> dict[str, Any]:
    (summary,) = [t for t in status.tasks if t.task_id == f"{family}[*]"]
    assert summary.metadata is not None
    counts: dict[str, Any] = summary.metadata.to_dict()["folded"]
    return counts


def visible(status: wex.WorkflowExecutionStatus, family: str) -> list[str]:
    return [t.task_id for t in status.tasks if t.task_id.startswith(f"{family}[")]


def test_values_over_the_bound_become_markers_and_errors_are_cut() -> None:
    big = Struct.from_dict({"blob": "y" * (limits.MAX_VALUE_BYTES + 1)})
    small = Struct.from_dict({"ok": 1})
    status = wex.WorkflowExecutionStatus(
        tasks=[row("/do/0/a", input=big, output=small, error="e" * 10_000)],
        output=Struct.from_dict({"blob": "z" * (limits.MAX_OUTPUT_BYTES + 1)}),
        error="f" * 10_000,
    )
    bounded = bound_status(status)
    (task,) = bounded.tasks
    assert task.input == marker(len(bytes(big)))
    assert task.input is not None and task.input.to_dict()["_truncated"] is True
    assert task.output == small
    assert task.error.startswith("e" * limits.MAX_ERROR_CHARS)
    assert task.error.endswith("(10000 characters, truncated)")
    assert bounded.output is not None and bounded.output.to_dict()["_truncated"] is True
    assert bounded.error.endswith("(10000 characters, truncated)")
    assert status.tasks[0].input == big  # the input is not modified


def test_small_status_is_left_as_it_is() -> None:
    status = run_loop(50)
    assert len(status.tasks) == 101
    assert bound_status(status).tasks == status.tasks


def test_a_thousand_iterations_fold_into_summaries_keeping_the_latest_rows() -> None:
    status = run_loop(1000)
    assert len(status.tasks) <= limits.MAX_TASK_ROWS
    assert len(bytes(status)) <= limits.MAX_STATUS_BYTES
    for family in (LOOP, STEP):
        counts = folded(status, family)
        shown = visible(status, family)
        assert counts["rows"] == counts["completed"] == 1000 - len(shown) + 1  # + the summary
        assert shown[-1] == f"{family}[999]"  # the latest row is visible
        assert counts["through"] == [1000 - len(shown)]
    # The loop's own row and the summaries keep their first-seen positions.
    assert [t.task_id for t in status.tasks[:3]] == [LOOP, f"{STEP}[*]", f"{LOOP}[*]"]


def test_a_replayed_batch_is_not_counted_twice() -> None:
    status = run_loop(1000)
    before = {f: folded(status, f) for f in (LOOP, STEP)}
    replayed = apply(status, [t for i in range(0, 100) for t in iteration(i)])
    assert {f: folded(replayed, f) for f in (LOOP, STEP)} == before
    assert [t.task_id for t in replayed.tasks] == [t.task_id for t in status.tasks]


def test_first_failed_row_and_unfinished_rows_stay_visible() -> None:
    status = wex.WorkflowExecutionStatus(phase=P.EXECUTION_IN_PROGRESS)
    status = apply(status, [t for i in range(10) for t in iteration(i)])
    status = apply(status, iteration(10, T.WORKFLOW_TASK_FAILED))
    status = apply(status, iteration(11, T.WORKFLOW_TASK_IN_PROGRESS))
    status = apply(status, [t for i in range(12, 400) for t in iteration(i)])
    ids = [t.task_id for t in status.tasks]
    assert f"{STEP}[10]" in ids and f"{STEP}[11]" in ids and f"{LOOP}[11]" in ids
    # Folding stops at the unfinished iteration 11; the failed one is skipped, not counted.
    assert folded(status, STEP) == {
        "rows": 10,
        "completed": 10,
        "failed": 0,
        "skipped": 0,
        "through": [9],
    }
    # Later failures fold (counted) once the prefix can move on.
    status = apply(status, iteration(11))
    status = apply(status, iteration(400, T.WORKFLOW_TASK_FAILED))
    status = apply(status, [t for i in range(401, 600) for t in iteration(i)])
    counts = folded(status, STEP)
    assert counts["through"][0] > 400 and counts["failed"] == 1
    failed = [t for t in status.tasks if t.task_id.endswith("[*]")]
    assert all(t.status == T.WORKFLOW_TASK_FAILED for t in failed[:1])
    assert f"{STEP}[10]" in [t.task_id for t in status.tasks]


def test_large_rows_are_squeezed_to_the_byte_budget_oldest_first() -> None:
    value = Struct.from_dict({"blob": "v" * (limits.MAX_VALUE_BYTES - 100)})
    tasks = [row(f"/do/{i}/t", input=value, output=value) for i in range(150)]
    status = bound_status(wex.WorkflowExecutionStatus(tasks=tasks))
    assert len(bytes(status)) <= limits.MAX_STATUS_BYTES
    assert status.tasks[0].input is not None and "_truncated" in status.tasks[0].input.fields
    assert status.tasks[-1].input == value  # the latest rows keep their values
    assert len(status.tasks) == 150


def test_rows_outside_loops_are_dropped_into_a_summary_as_a_last_resort() -> None:
    tasks = [row(f"/do/{i}/task-with-a-long-name", error="x" * 100) for i in range(600)]
    tasks[5] = row("/do/5/task-with-a-long-name", T.WORKFLOW_TASK_FAILED)
    status = bound_status(wex.WorkflowExecutionStatus(tasks=tasks), budget=16 * 1024)
    assert len(bytes(status)) <= 16 * 1024
    first = status.tasks[0]
    assert first.task_id == DROPPED_ID and first.metadata is not None
    dropped = first.metadata.to_dict()["folded"]["rows"]
    assert dropped + len(status.tasks) - 1 == 600
    assert "/do/5/task-with-a-long-name" in [t.task_id for t in status.tasks]
    assert status.tasks[-1].task_id == "/do/599/task-with-a-long-name"


def test_status_budget_leaves_room_for_the_spec() -> None:
    small = wex.WorkflowExecution(spec=wex.WorkflowExecutionSpec(trigger_message="hi"))
    assert status_budget(small) == limits.MAX_STATUS_BYTES
    big = wex.WorkflowExecution(
        spec=wex.WorkflowExecutionSpec(trigger_message="m" * (limits.MAX_RECORD_BYTES - 10_000))
    )
    assert status_budget(big) < 10_000


async def test_the_reproduced_9_mb_report_answers_within_a_default_client_limit(api: Any) -> None:
    """302 rows of 30 KB each (issue 15's record): refused whole by the message limit, stored
    and answered under the bounds when sent in parts as the runner sends it."""
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    value = Struct.from_dict({"blob": "b" * 15_000})
    tasks = [
        row(f"{STEP}[{i // 2}]" if i % 2 else f"{LOOP}[{i // 2}]", input=value, output=value)
        for i in range(302)
    ]
    whole = wex.WorkflowExecutionUpdateStatusInput(
        execution_id=e.metadata.id, status=wex.WorkflowExecutionStatus(tasks=tasks)
    )
    assert len(bytes(whole)) > 9_000_000
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await api.stubs.wex.updateStatus(whole)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    per_part = limits.MAX_REPORT_BYTES // 30_000
    for start in range(0, len(tasks), per_part):
        part = wex.WorkflowExecutionUpdateStatusInput(
            execution_id=e.metadata.id,
            status=wex.WorkflowExecutionStatus(tasks=tasks[start : start + per_part]),
        )
        answer = await api.stubs.wex.updateStatus(part)  # a 4 MiB client reads it
        assert len(bytes(answer)) <= limits.MAX_RECORD_BYTES
    assert len(answer.status.tasks) <= limits.MAX_TASK_ROWS
    stored = await api.server.store.get(WORKFLOW_EXECUTION, e.metadata.id)
    assert stored is not None and len(stored) <= limits.MAX_RECORD_BYTES
    assert all(
        t.input is None
        or "_truncated" in t.input.fields
        or len(bytes(t.input)) <= limits.MAX_VALUE_BYTES
        for t in answer.status.tasks
    )
