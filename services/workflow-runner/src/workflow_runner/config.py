"""workflow-runner configuration, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from stigmer_dsl.activity_policy import ALLOW_ENV, AllowedActivity, parse_allow_list
from stigmer_protos.temporal_client import TemporalConnectionConfig
from stigmer_protos.temporal_names import DEFAULT_RUNNER_TASK_QUEUE
from stigmer_telemetry import log_level_from_env

from workflow_runner.client import ClientConfig
from workflow_runner.engine.config import ExpressionBudget


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name}: expected a positive integer, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class RunnerConfig:
    """Everything the runner process needs; see the service README for each variable."""

    temporal: TemporalConnectionConfig
    api: ClientConfig
    runner_task_queue: str = DEFAULT_RUNNER_TASK_QUEUE
    interpreter_task_queue: str = "zigflow_execution"
    max_concurrent_activities: int = 100
    max_concurrent_executions: int = 1000
    max_concurrent_workflow_tasks: int = 100
    interpreter_execution_timeout: timedelta = timedelta(minutes=30)
    graceful_shutdown: timedelta = timedelta(seconds=30)
    heartbeat_file: Path | None = None
    expression_budget: ExpressionBudget = field(default_factory=ExpressionBudget)
    allowed_activities: tuple[AllowedActivity, ...] = ()
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RunnerConfig:
        """Read the configuration.

        Raises:
            ValueError: A variable holds a value of the wrong type, named in the message.
        """
        env = os.environ if env is None else env
        return cls(
            temporal=TemporalConnectionConfig.from_env(env),
            api=ClientConfig.from_env(env),
            runner_task_queue=env.get("TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE")
            or DEFAULT_RUNNER_TASK_QUEUE,
            interpreter_task_queue=env.get("TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE")
            or "zigflow_execution",
            max_concurrent_activities=_positive_int(env, "RUNNER_MAX_CONCURRENT_ACTIVITIES", 100),
            max_concurrent_executions=_positive_int(env, "RUNNER_MAX_CONCURRENT_EXECUTIONS", 1000),
            max_concurrent_workflow_tasks=_positive_int(
                env, "RUNNER_MAX_CONCURRENT_WORKFLOW_TASKS", 100
            ),
            interpreter_execution_timeout=timedelta(
                seconds=_positive_int(env, "RUNNER_EXECUTION_TIMEOUT_SECONDS", 1800)
            ),
            graceful_shutdown=timedelta(
                seconds=_positive_int(env, "RUNNER_GRACEFUL_SHUTDOWN_SECONDS", 30)
            ),
            heartbeat_file=Path(env["RUNNER_HEARTBEAT_FILE"])
            if env.get("RUNNER_HEARTBEAT_FILE")
            else None,
            expression_budget=ExpressionBudget.from_env(env),
            allowed_activities=tuple(parse_allow_list(env.get(ALLOW_ENV, ""))),
            log_level=log_level_from_env(env),
        )
