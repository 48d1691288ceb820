"""Rows' known encodings: bounding and encoding with them give what doing it from scratch gives."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google.protobuf import Struct
from stigmer_server.workflowexecution import stored
from stigmer_server.workflowexecution.record_bounds import bound_status, status_budget
from stigmer_server.workflowexecution.row_encoding import EncodedRows, encode_execution
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
def test_known_encodings_bound_and_encode_like_doing_it_from_scratch(
    before: list[wex.WorkflowTask], changes: list[wex.WorkflowTask], budget: int, max_rows: int
) -> None:
    execution = wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(id="wex-1", org="o", slug="s"),
        spec=wex.WorkflowExecutionSpec(workflow_id="wfl-1", input=Struct.from_dict({"a": 1})),
        status=wex.WorkflowExecutionStatus(
            phase=wex.ExecutionPhase.EXECUTION_IN_PROGRESS, error="e", error_details=Struct()
        ),
    )
    execution._unknown_fields = b"\xd2\x02\x01q"  # field 42, written by a newer version
    assert execution.status is not None
    execution.status.tasks = before
    data = bytes(execution)  # as the store keeps it
    stored_execution = wex.WorkflowExecution.parse(data)
    current = stored_execution.status or wex.WorkflowExecutionStatus()
    merged = merge_status(current, wex.WorkflowExecutionStatus(tasks=changes), NOW)
    rows = EncodedRows.stored(current.tasks, data)

    original = limits.MAX_TASK_ROWS
    try:
        limits.MAX_TASK_ROWS = max_rows
        bounded = bound_status(merged, budget, rows)
        assert bytes(bounded) == bytes(bound_status(merged, budget))
    finally:
        limits.MAX_TASK_ROWS = original
    stored_execution.status = bounded
    assert encode_execution(stored_execution, rows) == bytes(stored_execution)
    # A status write takes the other fields off the stored bytes.
    assert encode_execution(stored_execution, rows, data) == bytes(stored_execution)


def test_stored_rows_are_known_by_their_stored_bytes() -> None:
    tasks = [
        wex.WorkflowTask(task_id=f"/do/{i}/t", input=Struct.from_dict({"n": i, "s": "y" * i}))
        for i in range(0, 300, 7)
    ]
    data = bytes(wex.WorkflowExecution(status=wex.WorkflowExecutionStatus(tasks=tasks)))
    decoded = wex.WorkflowExecution.parse(data).status
    assert decoded is not None
    rows = EncodedRows.stored(decoded.tasks, data)
    assert [rows.size(t) for t in decoded.tasks] == [len(bytes(t)) for t in tasks]
    assert stored.task_payloads(data) == [bytes(t) for t in tasks]


def test_only_the_same_rows_are_known() -> None:
    row = wex.WorkflowTask(task_id="/do/0/a", input=Struct.from_dict({"s": "z" * 9000}))
    # Encodings that do not match the rows in number are not used at all.
    assert EncodedRows([row], [b"1", b"2"]).of(row) == bytes(row)
    assert EncodedRows([row], [b"12345"]).size(row) == 5
    other = wex.WorkflowTask(task_id="/do/0/a")
    assert EncodedRows([row], [b"12345"]).of(other) == bytes(other)


def test_an_execution_without_rows_or_status_encodes_as_usual() -> None:
    for execution in (
        wex.WorkflowExecution(kind="WorkflowExecution"),
        wex.WorkflowExecution(status=wex.WorkflowExecutionStatus(phase=1)),
        wex.WorkflowExecution(status=wex.WorkflowExecutionStatus()),
    ):
        assert encode_execution(execution, EncodedRows()) == bytes(execution)


def test_fields_this_version_does_not_know_keep_their_place() -> None:
    status = wex.WorkflowExecutionStatus(tasks=[wex.WorkflowTask(task_id="a")], error="x")
    status._unknown_fields = b"\x9a\x03\x01z"  # field 51, length 1
    execution = wex.WorkflowExecution(kind="k", status=status)
    execution._unknown_fields = b"\xd2\x02\x01q"  # field 42
    assert encode_execution(execution, EncodedRows()) == bytes(execution)


def test_the_status_budget_read_off_the_stored_bytes_is_the_encoded_one() -> None:
    execution = wex.WorkflowExecution(
        kind="WorkflowExecution",
        metadata=ar.ApiResourceMetadata(id="wex-1", org="o", slug="s"),
        spec=wex.WorkflowExecutionSpec(input=Struct.from_dict({"s": "x" * 5000})),
        status=wex.WorkflowExecutionStatus(tasks=[wex.WorkflowTask(task_id="a")], error="x"),
    )
    execution._unknown_fields = b"\xd2\x02\x01q"
    data = bytes(execution)
    budget = status_budget(execution)
    assert budget == status_budget(wex.WorkflowExecution.parse(data), data)
    assert budget < limits.MAX_RECORD_BYTES - 5000


def test_a_status_changed_after_its_bounds_is_encoded_as_it_is() -> None:
    status = wex.WorkflowExecutionStatus(tasks=[wex.WorkflowTask(task_id="a")], error="x")
    rows = EncodedRows()
    bounded = bound_status(status, limits.MAX_STATUS_BYTES, rows)
    assert rows.shell(bounded) == bytes(wex.WorkflowExecutionStatus(error="x"))
    other = wex.WorkflowExecutionStatus(tasks=bounded.tasks, error="y")
    assert encode_execution(wex.WorkflowExecution(status=other), rows) == bytes(
        wex.WorkflowExecution(status=other)
    )
