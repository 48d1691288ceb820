from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.json_values import from_fields, to_fields
from stigmer_protos.temporal import StigmerPayloadConverter
from workflow_runner.engine import ProgressBatch, TaskProgress
from workflow_runner.status_mapping import (
    MAX_REPORT_BYTES,
    completed_payload,
    encode_task_row,
    progress_statuses,
)
from workflow_runner.task_types import task_type_for


def task_row(row: TaskProgress) -> wex.WorkflowTask:
    return wex.WorkflowTask.parse(encode_task_row(row))


def _batch(rows: int, text: str) -> ProgressBatch:
    return ProgressBatch(
        execution_id="wex-1",
        tasks=[
            TaskProgress(
                f"/do/0/loop[{i}]", f"loop[{i}]", "for.iteration", "COMPLETED", output=text
            )
            for i in range(rows)
        ],
    )


def test_a_large_batch_is_sent_in_parts_of_bounded_size_in_row_order() -> None:
    batch = _batch(2000, "x" * 2000)  # about 4 MB of rows
    encoded = progress_statuses(batch)
    assert len(encoded) > 3
    assert all(len(p) <= MAX_REPORT_BYTES for p in encoded)
    parts = [wex.WorkflowExecutionStatus.parse(p) for p in encoded]
    assert [t for p in parts for t in p.tasks] == [task_row(r) for r in batch.tasks]
    assert all(p == wex.WorkflowExecutionStatus(tasks=p.tasks) for p in parts)  # rows only


def test_a_small_batch_is_one_update_and_an_empty_one_none() -> None:
    assert len(progress_statuses(_batch(10, "x"))) == 1
    assert progress_statuses(_batch(0, "x")) == []


def test_a_row_larger_than_the_bound_is_sent_alone() -> None:
    parts = progress_statuses(_batch(3, "y" * 5000), max_bytes=4000)
    assert [len(wex.WorkflowExecutionStatus.parse(p).tasks) for p in parts] == [1, 1, 1]


EVERY_TYPE: list[Any] = [{"value": 1}, {}, [1, None], "s", 2, 1.5, True, None]


@pytest.mark.parametrize("value", EVERY_TYPE, ids=repr)
def test_outputs_of_every_json_type_are_reported_as_themselves(value: Any) -> None:
    done = task_row(
        TaskProgress("/do/0/a", "a", "set", "COMPLETED", "t0", "t1", input=value, output=value)
    )
    assert (done.output is not None) == isinstance(value, dict)
    assert from_fields(done.output, done.output_value) == value
    assert from_fields(done.input, done.input_value) == value
    status = StigmerPayloadConverter().from_payload(
        completed_payload(value).payload, wex.WorkflowExecutionStatus
    )
    assert status.phase == wex.ExecutionPhase.EXECUTION_COMPLETED
    assert (status.output is not None) == isinstance(value, dict)
    assert (status.output_value is None) == isinstance(value, dict)
    assert from_fields(status.output, status.output_value) == value


def test_rows_without_a_result_carry_no_output() -> None:
    running = task_row(TaskProgress("/do/0/a", "a", "set", "IN_PROGRESS", "t0"))
    assert running.output is None and running.output_value is None
    assert running.input_value is not None  # started: its input is null
    failed = task_row(TaskProgress("/do/0/a", "a", "set", "FAILED", "t0", "t1", error="e"))
    assert failed.output is None and failed.output_value is None
    unknown_start = task_row(TaskProgress("/do/0/a", "", "", "COMPLETED", None, "t1"))
    assert unknown_start.input is None and unknown_start.input_value is None


def test_a_listen_row_carries_its_filters_for_the_event_ingress() -> None:
    described = {"filters": [{"with": {"type": "t"}, "complete": True, "correlate": {}}]}
    row = TaskProgress("/do/0/w", "w", "listen", "IN_PROGRESS", "t0", listen=described)
    metadata = task_row(row).metadata
    assert metadata is not None
    assert metadata.to_dict() == {"kind": "listen", "listen": described}
    plain = task_row(TaskProgress("/do/0/a", "a", "set", "IN_PROGRESS", "t0")).metadata
    assert plain is not None and "listen" not in plain.to_dict()


def test_a_batch_reads_back_from_its_json_form_ignoring_unknown_keys() -> None:
    batch = dataclasses.replace(
        _batch(3, "z"), final=True, workflow_status="COMPLETED", output={"a": [1, None]}
    )
    encoded = dataclasses.asdict(batch)
    encoded["added_later"] = 1
    encoded["tasks"][0]["added_later"] = 2
    assert ProgressBatch.from_json(encoded) == batch
    assert ProgressBatch.from_json({"execution_id": "wex-1"}) == ProgressBatch("wex-1")


@pytest.mark.parametrize("value", EVERY_TYPE, ids=repr)
def test_a_batch_of_any_json_output_reads_back_from_its_json_form(value: Any) -> None:
    batch = dataclasses.replace(_batch(1, "z"), final=True, output=value)
    assert ProgressBatch.from_json(dataclasses.asdict(batch)) == batch


@pytest.mark.parametrize("value", EVERY_TYPE, ids=repr)
def test_a_batch_writes_the_json_form_of_the_dataclass_without_copying_values(value: Any) -> None:
    row = TaskProgress("/do/0/a", "a", "set", "COMPLETED", "t0", "t1", value, {"v": value})
    row = dataclasses.replace(row, children=["wex-2"], context={"c": [value]})
    batch = dataclasses.replace(_batch(2, "z"), final=True, output=value)
    batch = dataclasses.replace(batch, tasks=[*batch.tasks, row])
    encoded = batch.to_json()
    assert encoded == dataclasses.asdict(batch)
    assert list(encoded) == list(dataclasses.asdict(batch))  # the same JSON text, key order too
    assert encoded["tasks"][-1]["output"] is row.output
    assert ProgressBatch.from_json(encoded) == batch


def _reference_row(row: TaskProgress) -> wex.WorkflowTask:
    """The row built with betterproto2: what the C-runtime encoding must decode to.

    Only the decoded messages are compared: map entries (a Struct's fields) may be framed in
    another order, which the wire format allows.
    """
    status = {
        "IN_PROGRESS": wex.WorkflowTaskStatus.WORKFLOW_TASK_IN_PROGRESS,
        "COMPLETED": wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED,
        "FAILED": wex.WorkflowTaskStatus.WORKFLOW_TASK_FAILED,
        "SKIPPED": wex.WorkflowTaskStatus.WORKFLOW_TASK_SKIPPED,
    }[row.status]
    task = wex.WorkflowTask(
        task_id=row.task_id,
        task_name=row.task_name,
        task_type=task_type_for(row.task_kind),
        status=status,
        started_at=row.started_at or "",
        completed_at=row.completed_at or "",
        error=row.error or "",
        metadata=wkt.Struct.from_dict({"kind": row.task_kind}),
    )
    if row.started_at:
        task.input, task.input_value = to_fields(row.input)
    if row.status in ("COMPLETED", "SKIPPED"):
        task.output, task.output_value = to_fields(row.output)
    return task


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-(2**53), 2**53)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(
    value=_JSON,
    status=st.sampled_from(["IN_PROGRESS", "COMPLETED", "FAILED", "SKIPPED"]),
    kind=st.sampled_from(["set", "call.http", "for.iteration", "", "do"]),
    started=st.sampled_from([None, "", "2026-11-30T10:00:00Z"]),
    error=st.sampled_from([None, "", "boom"]),
)
def test_the_c_runtime_row_equals_the_betterproto2_row(
    value: Any, status: str, kind: str, started: str | None, error: str | None
) -> None:
    row = TaskProgress("/do/0/a", "a", kind, status, started, "t1", value, value, error)
    assert task_row(row) == _reference_row(row)


def test_a_row_names_the_subflows_its_task_started() -> None:
    row = TaskProgress("/do/0/child", "child", "run.workflow", "IN_PROGRESS", children=["wex-a"])
    plain = TaskProgress("/do/1/next", "next", "set", "IN_PROGRESS")

    def metadata(of: TaskProgress) -> Any:
        found = task_row(of).metadata
        assert found is not None
        return found.to_dict()

    assert metadata(row) == {"kind": "run.workflow", "child_execution_ids": ["wex-a"]}
    assert metadata(plain) == {"kind": "set"}
