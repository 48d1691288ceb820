from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.json_values import from_fields
from stigmer_protos.temporal import StigmerPayloadConverter
from workflow_runner.engine import ProgressBatch, TaskProgress
from workflow_runner.status_mapping import (
    MAX_REPORT_BYTES,
    completed_payload,
    progress_statuses,
    task_row,
)


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
