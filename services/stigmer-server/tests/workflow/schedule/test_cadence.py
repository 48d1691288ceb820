"""A document's ``schedule`` checked at apply: what runs, what is refused and why (pure)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.temporal_names import (
    schedule_id,
    workflow_id_of_schedule,
    workflow_id_of_scheduled_run,
)
from stigmer_server.errors import InvalidArgumentError
from stigmer_server.workflow.schedule.cadence import Cadence, cadence_of
from stigmer_server.workflow.schedule.cron import CronError, shortest_gap
from stigmer_server.workflow.schedule.event_start import event_start_of
from stigmer_server.workflow.schedule.settings import ScheduleSettings

SETTINGS = ScheduleSettings(min_interval=timedelta(seconds=60))


def _spec(schedule: dict[str, Any] | None) -> wf.WorkflowSpec:
    return wf.WorkflowSpec(schedule=None if schedule is None else wkt.Struct.from_dict(schedule))


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (None, None),
        ({"every": "PT5M"}, Cadence(every=timedelta(minutes=5))),
        ({"every": {"minutes": 1, "seconds": 30}}, Cadence(every=timedelta(seconds=90))),
        ({"cron": "*/5 * * * *"}, Cadence(cron="*/5 * * * *")),
        ({"cron": " @daily "}, Cadence(cron="@daily")),
    ],
)
def test_supported_schedules(schedule: dict[str, Any] | None, expected: Cadence | None) -> None:
    assert cadence_of(_spec(schedule), SETTINGS) == expected


@pytest.mark.parametrize(
    ("schedule", "field", "words"),
    [
        ({"on": {"all": [{"with": {"type": "x"}}]}}, "/schedule/on/all", "not supported"),
        ({"on": {"one": {"with": {"source": "s"}}}}, "/schedule/on/one/with/type", "literal event"),
        ({"on": {"one": {"with": {"type": "${ .t }"}}}}, "/schedule/on/one/with/type", "literal"),
        (
            {"on": {"one": {"with": {"type": "x"}, "correlate": {}}}},
            "/schedule/on/one/correlate",
            "only `with`",
        ),
        ({"on": {"any": []}}, "/schedule/on/any", "1 to 16"),
        ({"on": {"one": {"with": {"type": "x"}}}, "every": "PT1H"}, "/schedule/every", "with on"),
        ({"after": "PT1M"}, "/schedule/after", "not supported yet"),
        ({"every": "PT30S"}, "/schedule/every", "minimum interval of 60 s"),
        ({"every": "${ .x }"}, "/schedule/every", "literal duration"),
        ({"every": "soon"}, "/schedule/every", "ISO 8601"),
        ({"cron": "* * * * * *"}, "/schedule/cron", "five fields"),
        ({"cron": "61 * * * *"}, "/schedule/cron", "outside 0-59"),
        ({"cron": "0 0 * * 0", "every": "PT1H"}, "/schedule", "not both"),
        ({"cron": 5}, "/schedule/cron", "string"),
    ],
)
def test_refused_schedules_name_the_field(schedule: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        cadence_of(_spec(schedule), SETTINGS)
    assert caught.value.field == field
    assert words in caught.value.message


def test_cron_more_frequent_than_the_minimum_is_refused() -> None:
    hourly = ScheduleSettings(min_interval=timedelta(hours=1))
    assert cadence_of(_spec({"cron": "0 * * * *"}), hourly) == Cadence(cron="0 * * * *")
    with pytest.raises(InvalidArgumentError, match="runs 1800 s apart"):
        cadence_of(_spec({"cron": "0,30 * * * *"}), hourly)


@pytest.mark.parametrize(
    ("expression", "gap"),
    [
        ("* * * * *", timedelta(minutes=1)),
        ("*/15 * * * *", timedelta(minutes=15)),
        ("0 9-17 * * MON-FRI", timedelta(hours=1)),
        ("0 9,21 * * *", timedelta(hours=12)),
        ("30 23 * * *", timedelta(days=1)),
        ("@hourly", timedelta(hours=1)),
        ("50 0 * JAN *", timedelta(days=1)),
        ("5-10/5 * * * *", timedelta(minutes=5)),
    ],
)
def test_shortest_gap(expression: str, gap: timedelta) -> None:
    assert shortest_gap(expression) == gap


@pytest.mark.parametrize(
    "expression", ["", "@every 5s", "a * * * *", "10-5 * * * *", "*/0 * * * *"]
)
def test_unsupported_cron(expression: str) -> None:
    with pytest.raises(CronError):
        shortest_gap(expression)


def test_settings_from_env() -> None:
    settings = ScheduleSettings.from_env(
        {
            "STIGMER_SCHEDULE_MIN_INTERVAL_SECONDS": "2",
            "STIGMER_SCHEDULE_OVERLAP_POLICY": "BUFFER_ONE",
            "STIGMER_SCHEDULE_CATCHUP_WINDOW_SECONDS": "600",
        }
    )
    assert settings == ScheduleSettings(timedelta(seconds=2), "buffer_one", timedelta(minutes=10))
    assert ScheduleSettings.from_env({}) == ScheduleSettings()
    for name, value in (
        ("STIGMER_SCHEDULE_MIN_INTERVAL_SECONDS", "0.5"),
        ("STIGMER_SCHEDULE_OVERLAP_POLICY", "terminate_other"),
        ("STIGMER_SCHEDULE_CATCHUP_WINDOW_SECONDS", "5"),
    ):
        with pytest.raises(ValueError, match=name):
            ScheduleSettings.from_env({name: value})


def test_schedule_and_run_ids_name_the_workflow() -> None:
    wid = "wfl-01kb2m3n4p5q6r7s8t9v0w1x2y"
    assert workflow_id_of_schedule(schedule_id(wid)) == wid
    assert workflow_id_of_scheduled_run(f"{schedule_id(wid)}-2026-11-30T22:50:02Z") == wid
    for other in (
        schedule_id(wid),  # the schedule, not a run of it
        f"stigmer/workflow-execution/invoke/{wid}-2026-11-30T22:50:02Z",
        f"{schedule_id(wid)}-2026-11-30T22:50:02Z/../x",
        None,
    ):
        assert workflow_id_of_scheduled_run(other) is None


def test_event_starts_have_no_cadence_and_match_literally() -> None:
    spec = _spec({"on": {"any": [{"with": {"type": "a", "source": "s"}}, {"with": {"type": "b"}}]}})
    assert cadence_of(spec, SETTINGS) is None
    start = event_start_of(spec)
    assert start is not None and start.event_types == {"a", "b"}
    assert start.matches({"type": "a", "source": "s", "id": "1"})
    assert not start.matches({"type": "a", "source": "other", "id": "1"})
    assert start.matches({"type": "b", "source": "any", "id": "2"})
    assert not start.matches({"type": "c", "source": "s", "id": "3"})
    assert event_start_of(_spec({"every": "PT1H"})) is None
