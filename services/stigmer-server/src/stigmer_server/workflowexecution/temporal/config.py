"""Temporal settings of stigmer-server, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from stigmer_protos.temporal_client import TemporalConnectionConfig
from stigmer_protos.temporal_names import DEFAULT_RUNNER_TASK_QUEUE, DEFAULT_STIGMER_TASK_QUEUE

from stigmer_server.workflow.schedule.settings import ScheduleSettings


@dataclass(frozen=True)
class ActivityTimeouts:
    """Bounds on the ExecuteWorkflow activity, carried to the workflow in its memo."""

    schedule_to_start: timedelta = timedelta(seconds=60)
    heartbeat: timedelta = timedelta(seconds=30)
    start_to_close: timedelta = timedelta(minutes=29)
    maximum_attempts: int = 3

    def to_memo(self) -> dict[str, float]:
        """Encode as a JSON-friendly memo value."""
        return {
            "scheduleToStart": self.schedule_to_start.total_seconds(),
            "heartbeat": self.heartbeat.total_seconds(),
            "startToClose": self.start_to_close.total_seconds(),
            "maximumAttempts": self.maximum_attempts,
        }

    @classmethod
    def from_memo(cls, value: Mapping[str, float] | None) -> ActivityTimeouts:
        """Decode a memo value, falling back to the defaults for anything missing."""
        value = value or {}
        default = cls()
        return cls(
            schedule_to_start=timedelta(
                seconds=value.get("scheduleToStart", default.schedule_to_start.total_seconds())
            ),
            heartbeat=timedelta(seconds=value.get("heartbeat", default.heartbeat.total_seconds())),
            start_to_close=timedelta(
                seconds=value.get("startToClose", default.start_to_close.total_seconds())
            ),
            maximum_attempts=int(value.get("maximumAttempts", default.maximum_attempts)),
        )


@dataclass(frozen=True)
class TemporalConfig:
    """How stigmer-server reaches Temporal and orchestrates executions."""

    connection: TemporalConnectionConfig = field(default_factory=TemporalConnectionConfig)
    stigmer_task_queue: str = DEFAULT_STIGMER_TASK_QUEUE
    runner_task_queue: str = DEFAULT_RUNNER_TASK_QUEUE
    execution_timeout: timedelta = timedelta(minutes=30)
    activity: ActivityTimeouts = field(default_factory=ActivityTimeouts)
    connect_backoff_max: timedelta = timedelta(seconds=30)
    schedules: ScheduleSettings = field(default_factory=ScheduleSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TemporalConfig:
        """Read the configuration from environment variables (see the package README).

        Raises:
            ValueError: A variable holds a value of the wrong type, named in the message.
        """
        env = os.environ if env is None else env

        def seconds(name: str, default: timedelta) -> timedelta:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name}: expected a number of seconds, got {raw!r}") from None
            if value <= 0:
                raise ValueError(f"{name}: must be positive, got {raw!r}")
            return timedelta(seconds=value)

        execution_timeout = seconds(
            "STIGMER_WORKFLOW_EXECUTION_TIMEOUT_SECONDS", timedelta(minutes=30)
        )
        # The activity must end (and the workflow record FAILED) before the run timeout kills
        # the workflow without running any of its code.
        margin = min(timedelta(minutes=1), execution_timeout / 10)
        attempts_raw = env.get("STIGMER_RUNNER_MAX_ATTEMPTS", "3")
        if not attempts_raw.isdigit() or int(attempts_raw) < 1:
            raise ValueError(
                f"STIGMER_RUNNER_MAX_ATTEMPTS: expected a positive integer, got {attempts_raw!r}"
            )
        return cls(
            connection=TemporalConnectionConfig.from_env(env),
            stigmer_task_queue=env.get("TEMPORAL_WORKFLOW_EXECUTION_STIGMER_TASK_QUEUE")
            or DEFAULT_STIGMER_TASK_QUEUE,
            runner_task_queue=env.get("TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE")
            or DEFAULT_RUNNER_TASK_QUEUE,
            execution_timeout=execution_timeout,
            activity=ActivityTimeouts(
                schedule_to_start=seconds(
                    "STIGMER_RUNNER_SCHEDULE_TO_START_SECONDS", timedelta(seconds=60)
                ),
                heartbeat=seconds("STIGMER_RUNNER_HEARTBEAT_SECONDS", timedelta(seconds=30)),
                start_to_close=execution_timeout - margin,
                maximum_attempts=int(attempts_raw),
            ),
            schedules=ScheduleSettings.from_env(env),
        )
