"""Counting an execution's Temporal work off its histories (pure logic over built events)."""

from __future__ import annotations

from stigmer_bench.temporal_work import TemporalWork
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent, MarkerRecordedEventAttributes


def _event(kind: EventType.ValueType, marker: str = "") -> HistoryEvent:
    event = HistoryEvent(event_type=kind)
    if marker:
        event.marker_recorded_event_attributes.CopyFrom(
            MarkerRecordedEventAttributes(marker_name=marker)
        )
    return event


def test_counts_tasks_activities_and_local_activities_over_every_run() -> None:
    first = [
        _event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
        _event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        _event(EventType.EVENT_TYPE_MARKER_RECORDED, "core_local_activity"),
        _event(EventType.EVENT_TYPE_MARKER_RECORDED, "core_patch"),
        _event(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        _event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    ]
    second = [
        _event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
        _event(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    ]
    work = TemporalWork.of([first, second])
    assert work == TemporalWork(
        workflows=2, events=8, workflow_tasks=2, activities=2, local_activities=1
    )
    assert work.as_dict()["events"] == 8
    assert TemporalWork.of([]) == TemporalWork()
