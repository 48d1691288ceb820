from __future__ import annotations

from datetime import UTC, datetime

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google.protobuf import Struct
from stigmer_server.errors import FailedPreconditionError
from stigmer_server.workflowexecution.status_merge import (
    IllegalTransitionError,
    iso_utc,
    merge_status,
)

P = wex.ExecutionPhase
T = wex.WorkflowTaskStatus
NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
STAMP = "2026-01-02T03:04:05.678Z"


def st(
    phase: wex.ExecutionPhase = P.EXECUTION_PHASE_UNSPECIFIED, **kw: object
) -> wex.WorkflowExecutionStatus:
    return wex.WorkflowExecutionStatus(phase=phase, **kw)  # type: ignore[arg-type]


def task(tid: str, status: wex.WorkflowTaskStatus, **kw: object) -> wex.WorkflowTask:
    return wex.WorkflowTask(task_id=tid, status=status, **kw)  # type: ignore[arg-type]


def test_iso_utc() -> None:
    assert iso_utc(NOW) == STAMP


def test_tasks_upserted_by_id_in_first_seen_order_never_dropped() -> None:
    cur = st(
        P.EXECUTION_IN_PROGRESS,
        tasks=[
            task("a", T.WORKFLOW_TASK_IN_PROGRESS, task_name="A"),
            task("b", T.WORKFLOW_TASK_PENDING),
        ],
    )
    upd = st(tasks=[task("c", T.WORKFLOW_TASK_PENDING), task("a", T.WORKFLOW_TASK_COMPLETED)])
    out = merge_status(cur, upd, NOW)
    assert [t.task_id for t in out.tasks] == ["a", "b", "c"]
    assert out.tasks[0].status == T.WORKFLOW_TASK_COMPLETED
    assert out.tasks[0].task_name == "A"  # fields absent from the update are kept
    assert out.tasks[0].completed_at == STAMP
    assert out.tasks[1].status == T.WORKFLOW_TASK_PENDING
    # inputs untouched
    assert [t.task_id for t in cur.tasks] == ["a", "b"]
    assert cur.tasks[0].status == T.WORKFLOW_TASK_IN_PROGRESS


@pytest.mark.parametrize(
    "final", [T.WORKFLOW_TASK_COMPLETED, T.WORKFLOW_TASK_FAILED, T.WORKFLOW_TASK_SKIPPED]
)
def test_task_never_leaves_terminal_status(final: wex.WorkflowTaskStatus) -> None:
    cur = st(P.EXECUTION_IN_PROGRESS, tasks=[task("a", final, completed_at="t1")])
    out = merge_status(
        cur,
        st(tasks=[task("a", T.WORKFLOW_TASK_IN_PROGRESS, completed_at="t2", error="late")]),
        NOW,
    )
    assert out.tasks[0].status == final
    assert out.tasks[0].completed_at == "t1"


def test_phase_moves_forward_and_stamps_times() -> None:
    out = merge_status(st(P.EXECUTION_PENDING), st(P.EXECUTION_IN_PROGRESS), NOW)
    assert out.phase == P.EXECUTION_IN_PROGRESS and out.started_at == STAMP
    assert out.completed_at == ""
    out2 = merge_status(
        out,
        st(P.EXECUTION_COMPLETED, output=Struct.from_dict({"r": 1})),
        datetime(2026, 1, 2, 3, 5, tzinfo=UTC),
    )
    assert out2.phase == P.EXECUTION_COMPLETED
    assert out2.started_at == STAMP
    assert out2.completed_at == "2026-01-02T03:05:00.000Z"
    assert out2.output is not None and out2.output.to_dict() == {"r": 1}


def test_caller_timestamps_win() -> None:
    out = merge_status(
        st(P.EXECUTION_PENDING),
        st(P.EXECUTION_FAILED, started_at="s", completed_at="c", error="boom"),
        NOW,
    )
    assert (out.started_at, out.completed_at, out.error) == ("s", "c", "boom")


@pytest.mark.parametrize(
    ("current", "update"),
    [
        (P.EXECUTION_IN_PROGRESS, P.EXECUTION_PENDING),
        (P.EXECUTION_COMPLETED, P.EXECUTION_IN_PROGRESS),
        (P.EXECUTION_COMPLETED, P.EXECUTION_FAILED),
        (P.EXECUTION_CANCELLED, P.EXECUTION_COMPLETED),
        (P.EXECUTION_FAILED, P.EXECUTION_PENDING),
    ],
)
def test_illegal_transitions(current: wex.ExecutionPhase, update: wex.ExecutionPhase) -> None:
    with pytest.raises(IllegalTransitionError) as err:
        merge_status(st(current), st(update), NOW)
    assert isinstance(err.value, FailedPreconditionError)


def test_terminal_repeat_is_idempotent_and_unspecified_keeps_phase() -> None:
    done = st(P.EXECUTION_COMPLETED, completed_at="c")
    assert merge_status(done, st(P.EXECUTION_COMPLETED), NOW).completed_at == "c"
    assert merge_status(done, st(), NOW).phase == P.EXECUTION_COMPLETED
    assert (
        merge_status(st(P.EXECUTION_PENDING), st(P.EXECUTION_CANCELLED), NOW).completed_at == STAMP
    )


def test_scalar_fields_stored() -> None:
    out = merge_status(
        st(P.EXECUTION_IN_PROGRESS, error="old"),
        st(
            temporal_workflow_id="stigmer/workflow-execution/invoke/wex-1",
            error_details=Struct.from_dict({"type": "x"}),
        ),
        NOW,
    )
    assert out.temporal_workflow_id == "stigmer/workflow-execution/invoke/wex-1"
    assert out.error == "old"
    assert out.error_details is not None and out.error_details.to_dict() == {"type": "x"}


def test_fields_unknown_to_this_version_survive_a_merge() -> None:
    # Field 100 (length-delimited "A") as a newer replica might have written it.
    unknown = bytes([0xA2, 0x06, 0x01, 0x41])
    stored_task = wex.WorkflowTask.parse(
        bytes(wex.WorkflowTask(task_id="a", task_name="a")) + unknown
    )
    stored = wex.WorkflowExecutionStatus.parse(
        bytes(
            wex.WorkflowExecutionStatus(
                phase=wex.ExecutionPhase.EXECUTION_IN_PROGRESS, tasks=[stored_task]
            )
        )
        + unknown
    )
    update = wex.WorkflowExecutionStatus(tasks=[wex.WorkflowTask(task_id="a", error="boom")])
    merged = merge_status(stored, update, datetime(2026, 11, 26, tzinfo=UTC))
    assert bytes(merged).endswith(unknown)
    assert bytes(merged.tasks[0]).endswith(unknown)
    assert merged.tasks[0].error == "boom"
