"""Execution metrics (OTel metrics, exported like the traces).

- ``stigmer.executions.started``: counter, ``{execution}``.
- ``stigmer.executions.finished``: counter, ``{execution}``, by ``stigmer.phase``.
- ``stigmer.execution.duration``: histogram, ``s``, by ``stigmer.phase``.
- ``stigmer.execution.status_updates``: counter, ``{update}``, by ``stigmer.phase`` and
  ``stigmer.source`` (``rpc`` or ``workflow``).
- ``stigmer.subscribe.streams``: up-down counter, ``{stream}``.

Phases are the ``ExecutionPhase`` names without prefix, lowercase (``completed``, ``failed``,
``cancelled``, ``in_progress``, ``pending``; ``unchanged`` for an update without a phase).
"""

from __future__ import annotations

from datetime import datetime

from opentelemetry import metrics
from opentelemetry.metrics import Meter

PHASE = "stigmer.phase"
SOURCE = "stigmer.source"


def phase_label(phase_name: str) -> str:
    """``EXECUTION_COMPLETED`` -> ``completed``; ``EXECUTION_UNSPECIFIED`` -> ``unchanged``."""
    name = phase_name.lower().removeprefix("execution_")
    return "unchanged" if name in ("", "unspecified", "phase_unspecified") else name


def duration_seconds(started_at: str, completed_at: str) -> float | None:
    """Seconds between two ISO-8601 timestamps, or None when either is missing or malformed."""
    if not started_at or not completed_at:
        return None
    try:
        start = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
        end = datetime.fromisoformat(completed_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    seconds = (end - start).total_seconds()
    return seconds if seconds >= 0 else None


class ExecutionMetrics:
    """The instruments above, created once per process on the global meter provider."""

    def __init__(self, meter: Meter | None = None) -> None:
        """Create the instruments on ``meter`` (default: the ``stigmer`` meter)."""
        meter = meter if meter is not None else metrics.get_meter("stigmer")
        self._started = meter.create_counter(
            "stigmer.executions.started", unit="{execution}", description="Executions started"
        )
        self._finished = meter.create_counter(
            "stigmer.executions.finished",
            unit="{execution}",
            description="Executions that reached a terminal phase, by phase",
        )
        self._duration = meter.create_histogram(
            "stigmer.execution.duration",
            unit="s",
            description="Execution run time from IN_PROGRESS to its terminal phase",
        )
        self._status_updates = meter.create_counter(
            "stigmer.execution.status_updates",
            unit="{update}",
            description="Status updates merged into executions, by phase and source",
        )
        self._streams = meter.create_up_down_counter(
            "stigmer.subscribe.streams", unit="{stream}", description="Open subscribe streams"
        )

    def execution_started(self) -> None:
        """Count one execution whose orchestration was started."""
        self._started.add(1)

    def execution_finished(self, phase: str, duration_s: float | None = None) -> None:
        """Count one execution entering terminal ``phase`` (a :func:`phase_label`)."""
        self._finished.add(1, {PHASE: phase})
        if duration_s is not None:
            self._duration.record(duration_s, {PHASE: phase})

    def status_update(self, phase: str, source: str) -> None:
        """Count one merged status update (``source``: ``rpc`` or ``workflow``)."""
        self._status_updates.add(1, {PHASE: phase, SOURCE: source})

    def stream_opened(self) -> None:
        """One more open ``subscribe`` stream."""
        self._streams.add(1)

    def stream_closed(self) -> None:
        """One fewer open ``subscribe`` stream."""
        self._streams.add(-1)


_instance: ExecutionMetrics | None = None


def execution_metrics() -> ExecutionMetrics:
    """The process's :class:`ExecutionMetrics` (created on first use, after set-up)."""
    global _instance
    if _instance is None:
        _instance = ExecutionMetrics()
    return _instance
