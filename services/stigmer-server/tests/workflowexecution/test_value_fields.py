"""Outputs and inputs of any JSON type: merged and bounded as one value per field pair."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.json_values import from_fields, to_fields
from stigmer_server.workflowexecution.record_bounds import bound_status, marker
from stigmer_server.workflowexecution.status_merge import merge_status

P = wex.ExecutionPhase
T = wex.WorkflowTaskStatus
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def row(tid: str, output: Any = None, *, reported: bool = True, **kw: Any) -> wex.WorkflowTask:
    """A COMPLETED row whose output is ``output`` (any JSON value; none when not ``reported``)."""
    task = wex.WorkflowTask(task_id=tid, status=T.WORKFLOW_TASK_COMPLETED, **kw)
    if reported:
        task.output, task.output_value = to_fields(output)
    return task


def completed(output: Any) -> wex.WorkflowExecutionStatus:
    struct, value = to_fields(output)
    return wex.WorkflowExecutionStatus(
        phase=P.EXECUTION_COMPLETED, output=struct, output_value=value
    )


def test_a_later_value_replaces_the_whole_pair() -> None:
    current = wex.WorkflowExecutionStatus(
        phase=P.EXECUTION_IN_PROGRESS, tasks=[row("/do/0/a", {"value": 1})]
    )
    merged = merge_status(current, wex.WorkflowExecutionStatus(tasks=[row("/do/0/a", [1, 2])]), NOW)
    (task,) = merged.tasks
    assert task.output is None and from_fields(task.output, task.output_value) == [1, 2]
    again = merge_status(merged, wex.WorkflowExecutionStatus(tasks=[row("/do/0/a", {"k": 1})]), NOW)
    assert again.tasks[0].output_value is None and again.tasks[0].output is not None
    assert again.tasks[0].output.to_dict() == {"k": 1}


def test_an_update_without_a_value_keeps_the_stored_one() -> None:
    current = wex.WorkflowExecutionStatus(tasks=[row("/do/0/a", None)])
    stored = current.tasks[0]
    assert stored.output is None and stored.output_value is not None  # null, reported
    update = wex.WorkflowExecutionStatus(tasks=[row("/do/0/a", reported=False, error="late")])
    (merged,) = merge_status(current, update, NOW).tasks
    assert merged.output is None and merged.output_value == stored.output_value
    assert merged.error == "late"


def test_the_execution_output_of_any_type_is_stored_and_replaces_an_object() -> None:
    start = merge_status(
        wex.WorkflowExecutionStatus(phase=P.EXECUTION_IN_PROGRESS, output=to_fields({"a": 1})[0]),
        completed(None),
        NOW,
    )
    assert start.output is None and start.output_value is not None
    assert from_fields(start.output, start.output_value) is None
    for value in ([1, "x"], "s", 3, False, {"value": 1}):
        merged = merge_status(wex.WorkflowExecutionStatus(), completed(value), NOW)
        assert from_fields(merged.output, merged.output_value) == value


def test_a_non_object_over_the_bound_becomes_the_marker_in_the_struct() -> None:
    big = ["y" * 100] * (limits.MAX_OUTPUT_BYTES // 100 + 1)
    task_big = ["z" * 100] * (limits.MAX_VALUE_BYTES // 100 + 1)
    status = completed(big)
    status.tasks = [row("/do/0/a", task_big), row("/do/0/b", "small")]
    bounded = bound_status(status)
    assert bounded.output_value is None
    assert bounded.output == marker(len(bytes(to_fields(big)[1])))
    first, second = bounded.tasks
    assert first.output_value is None and first.output is not None
    assert first.output.to_dict()["_truncated"] is True
    assert from_fields(second.output, second.output_value) == "small"
    assert status.output_value is not None  # the input is not modified


def test_squeezing_to_the_budget_marks_non_object_values_too() -> None:
    rows = [row(f"/do/{i}/a", ["v" * 1000], input_value=to_fields("w" * 1000)[1]) for i in range(8)]
    status = wex.WorkflowExecutionStatus(phase=P.EXECUTION_IN_PROGRESS, tasks=rows)
    bounded = bound_status(status, budget=6000)
    assert len(bytes(bounded)) <= 6000
    marked = [t for t in bounded.tasks if t.output is not None and t.output_value is None]
    assert marked and all(t.output.to_dict()["_truncated"] for t in marked)
    assert any(t.input is not None and t.input_value is None for t in bounded.tasks)
