"""When a workflow runs on its own: the ``schedule`` of its DSL document, checked at apply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stigmer_dsl.converter.values import struct_to_dict
from stigmer_dsl.durations import to_timedelta
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

from stigmer_server.errors import InvalidArgumentError
from stigmer_server.workflow.schedule.cron import CronError, shortest_gap
from stigmer_server.workflow.schedule.event_start import event_start_of
from stigmer_server.workflow.schedule.settings import ScheduleSettings


@dataclass(frozen=True)
class Cadence:
    """A schedule the server runs on Temporal: exactly one of ``cron`` and ``every``.

    Attributes:
        cron: A five-field cron expression (or macro), in UTC.
        every: The interval between two runs.
    """

    cron: str = ""
    every: timedelta | None = None


def has_schedule(spec: wf.WorkflowSpec | None) -> bool:
    """Whether a stored document has a ``schedule`` (and so, possibly, a Temporal Schedule)."""
    return bool(spec is not None and struct_to_dict(spec.schedule))


def _duration(pointer: str, value: Any) -> timedelta:
    if isinstance(value, str) and value.strip().startswith("${"):
        raise InvalidArgumentError(pointer, "must be a literal duration, not an expression")
    try:
        return to_timedelta(value)
    except ValueError as exc:
        raise InvalidArgumentError(pointer, str(exc)) from None


def cadence_of(spec: wf.WorkflowSpec | None, settings: ScheduleSettings) -> Cadence | None:
    """The cadence a workflow's document asks for, or None when it has no ``schedule``.

    ``after`` is refused rather than ignored: a document that says "run again" must not
    silently run once. ``on`` is checked (:func:`event_start_of`) and has no cadence: the
    event ingress starts those executions.

    Raises:
        InvalidArgumentError: Naming the document field (a JSON pointer such as
            ``/schedule/on``) that is unsupported, malformed or more frequent than the
            operator's minimum interval.
    """
    schedule = struct_to_dict(spec.schedule) if spec is not None else None
    if not schedule:
        return None
    if "on" in schedule:
        event_start_of(spec)  # checked here; started by the event ingress, not by Temporal
        extra = sorted(set(schedule) - {"on"})
        if extra:
            raise InvalidArgumentError(f"/schedule/{extra[0]}", "cannot be used with on")
        return None
    if "after" in schedule:
        raise InvalidArgumentError(
            "/schedule/after",
            "not supported yet (a run after the previous one completes); use every or cron",
        )
    unknown = sorted(set(schedule) - {"cron", "every"})
    if unknown:
        raise InvalidArgumentError(f"/schedule/{unknown[0]}", "unknown schedule property")
    if "cron" in schedule and "every" in schedule:
        raise InvalidArgumentError("/schedule", "set one of cron and every, not both")
    least = settings.min_interval
    if "every" in schedule:
        every = _duration("/schedule/every", schedule["every"])
        if every < least:
            raise InvalidArgumentError(
                "/schedule/every",
                f"{every.total_seconds():g} s is shorter than the server's minimum interval of"
                f" {least.total_seconds():g} s",
            )
        return Cadence(every=every)
    cron = schedule["cron"]
    if not isinstance(cron, str):
        raise InvalidArgumentError("/schedule/cron", "must be a string")
    try:
        gap = shortest_gap(cron)
    except CronError as exc:
        raise InvalidArgumentError("/schedule/cron", str(exc)) from None
    if gap < least:
        raise InvalidArgumentError(
            "/schedule/cron",
            f"runs {gap.total_seconds():g} s apart, shorter than the server's minimum interval"
            f" of {least.total_seconds():g} s",
        )
    return Cadence(cron=cron.strip())
