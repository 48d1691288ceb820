"""Bounding with row sizes read off the stored bytes gives what bounding from scratch gives."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google.protobuf import Struct
from stigmer_server.workflowexecution import stored
from stigmer_server.workflowexecution.record_bounds import KnownSizes, bound_status
from stigmer_server.workflowexecution.status_merge import merge_status

T = wex.WorkflowTaskStatus
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
IDS = [
    *(f"/do/0/loop/for/do/0/step[{i}]" for i in range(8)),
    *(f"/do/0/loop[{i}]" for i in range(8)),
    *(f"/do/{i}/set{i}" for i in range(6)),
    "/do/0/loop/for/do/0/step[*]",
]
STATUSES = [
    T.WORKFLOW_TASK_IN_PROGRESS,
    T.WORKFLOW_TASK_COMPLETED,
    T.WORKFLOW_TASK_FAILED,
    T.WORKFLOW_TASK_SKIPPED,
]

values = st.one_of(
    st.none(),
    st.builds(
        lambda n: Struct.from_dict({"text": "x" * n}),
        st.sampled_from([0, 10, 400, 400, 1200, 9000]),
    ),
)
rows = st.builds(
    lambda tid, status, value, output, error: wex.WorkflowTask(
        task_id=tid,
        task_name=tid.rsplit("/", 1)[-1],
        status=status,
        input=value,
        output=output,
        error=error,
        started_at="2026-01-02T03:04:05.000Z",
    ),
    st.sampled_from(IDS),
    st.sampled_from(STATUSES),
    values,
    values,
    st.sampled_from(["", "boom", "e" * 5000]),
)


def unique(tasks: list[wex.WorkflowTask]) -> list[wex.WorkflowTask]:
    seen: dict[str, wex.WorkflowTask] = {}
    for task in tasks:
        seen.setdefault(task.task_id, task)
    return list(seen.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(rows, max_size=12).map(unique),
    st.lists(rows, max_size=6).map(unique),
    st.sampled_from([limits.MAX_STATUS_BYTES, 20_000, 3_000, 1_000]),
    st.sampled_from([1, 2, limits.MAX_TASK_ROWS]),
)
def test_known_sizes_bound_like_bounding_from_scratch(
    before: list[wex.WorkflowTask], changes: list[wex.WorkflowTask], budget: int, max_rows: int
) -> None:
    execution = wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(id="wex-1", org="o", slug="s"),
        status=wex.WorkflowExecutionStatus(phase=wex.ExecutionPhase.EXECUTION_IN_PROGRESS),
    )
    assert execution.status is not None
    execution.status.tasks = before
    data = bytes(execution)  # as the store keeps it
    current = wex.WorkflowExecution.parse(data).status or wex.WorkflowExecutionStatus()
    merged = merge_status(current, wex.WorkflowExecutionStatus(tasks=changes), NOW)
    known = KnownSizes(current.tasks, stored.task_sizes(data))

    original = limits.MAX_TASK_ROWS
    try:
        limits.MAX_TASK_ROWS = max_rows
        assert bytes(bound_status(merged, budget, known)) == bytes(bound_status(merged, budget))
    finally:
        limits.MAX_TASK_ROWS = original


def test_sizes_read_off_the_wire_are_the_encoded_sizes() -> None:
    tasks = [
        wex.WorkflowTask(task_id=f"/do/{i}/t", input=Struct.from_dict({"n": i, "s": "y" * i}))
        for i in range(0, 300, 7)
    ]
    data = bytes(wex.WorkflowExecution(status=wex.WorkflowExecutionStatus(tasks=tasks)))
    assert stored.task_sizes(data) == [len(bytes(t)) for t in tasks]


def test_sizes_of_other_rows_are_not_taken() -> None:
    rows = [wex.WorkflowTask(task_id="/do/0/a", input=Struct.from_dict({"s": "z" * 9000}))]
    # Sizes that do not match the rows in number are not used at all.
    assert KnownSizes(rows, [1, 2]).of(rows[0]) == len(bytes(rows[0]))
    assert KnownSizes(rows, [5]).of(rows[0]) == 5
    other = wex.WorkflowTask(task_id="/do/0/a")
    assert KnownSizes(rows, [5]).of(other) == len(bytes(other))
