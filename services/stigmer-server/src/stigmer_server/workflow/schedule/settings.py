"""The operator's bounds and policies for workflow schedules, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

OVERLAP_POLICIES = ("skip", "buffer_one", "buffer_all", "allow_all")
"""Overlap policies an operator may choose for ``cron`` schedules (Temporal's names, lowercase).

Cancelling or terminating the previous run would end the small workflow that waits for its
execution, not the execution itself, so those two are not offered.
"""

MIN_CATCHUP_WINDOW = timedelta(seconds=10)
"""Temporal refuses a shorter catch-up window."""


@dataclass(frozen=True)
class ScheduleSettings:
    """How the server schedules workflows.

    Attributes:
        min_interval: The shortest gap between two runs a document may ask for
            (``STIGMER_SCHEDULE_MIN_INTERVAL_SECONDS``); shorter ``every`` / ``cron`` are refused
            at apply.
        overlap_policy: What a ``cron`` schedule does when a run is due while the previous one
            has not ended (``STIGMER_SCHEDULE_OVERLAP_POLICY``). ``every`` runs regardless, as
            the DSL specifies.
        catchup_window: How late a run missed while Temporal or the server was down is still
            started (``STIGMER_SCHEDULE_CATCHUP_WINDOW_SECONDS``).
    """

    min_interval: timedelta = timedelta(seconds=60)
    overlap_policy: str = "skip"
    catchup_window: timedelta = timedelta(seconds=60)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ScheduleSettings:
        """Read the settings from ``env``.

        Raises:
            ValueError: A variable holds an unusable value, named in the message.
        """
        default = cls()

        def seconds(name: str, fallback: timedelta, least: timedelta) -> timedelta:
            raw = env.get(name) or ""
            if not raw:
                return fallback
            try:
                value = timedelta(seconds=float(raw))
            except (ValueError, OverflowError):
                raise ValueError(f"{name}: expected a number of seconds, got {raw!r}") from None
            if value < least:
                raise ValueError(f"{name}: must be at least {least.total_seconds():g}, got {raw!r}")
            return value

        overlap = (env.get("STIGMER_SCHEDULE_OVERLAP_POLICY") or default.overlap_policy).lower()
        if overlap not in OVERLAP_POLICIES:
            raise ValueError(
                f"STIGMER_SCHEDULE_OVERLAP_POLICY: expected one of {', '.join(OVERLAP_POLICIES)},"
                f" got {overlap!r}"
            )
        return cls(
            min_interval=seconds(
                "STIGMER_SCHEDULE_MIN_INTERVAL_SECONDS", default.min_interval, timedelta(seconds=1)
            ),
            overlap_policy=overlap,
            catchup_window=seconds(
                "STIGMER_SCHEDULE_CATCHUP_WINDOW_SECONDS",
                default.catchup_window,
                MIN_CATCHUP_WINDOW,
            ),
        )
