"""docs/reliability.md states the retry and timeout figures the code uses.

Each figure is written from the constant or default it describes, then looked up in the text
(whitespace collapsed), so changing a policy without the document fails here.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from stigmer_server.workflowexecution.temporal.config import ActivityTimeouts
from stigmer_server.workflowexecution.temporal.workflow import (
    EXECUTE_WORKFLOW_BACKOFF,
    STATUS_WRITE_ATTEMPT_TIMEOUT,
    STATUS_WRITE_BUDGET,
    STATUS_WRITE_RETRY,
)
from temporalio.common import RetryPolicy
from workflow_runner.client import ClientConfig
from workflow_runner.client.retry import RetryPolicy as ClientRetry
from workflow_runner.config import RunnerConfig
from workflow_runner.engine.progress import REPORT_ATTEMPT_TIMEOUT, REPORT_BUDGET, REPORT_RETRY
from workflow_runner.engine.tasks._activity import HEARTBEAT_TIMEOUT, INFRASTRUCTURE_RETRY

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"


def _s(value: timedelta | float) -> str:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    return f"{seconds:g} s"


def _duration(value: timedelta) -> str:
    minutes, seconds = divmod(int(value.total_seconds()), 60)
    return f"{minutes} minutes" if minutes and not seconds else _s(value)


def _backoff(policy: RetryPolicy) -> str:
    assert policy.backoff_coefficient == 2.0, "the text says 'doubling'"
    assert policy.maximum_interval is not None
    return f"{_s(policy.initial_interval)} doubling to {_s(policy.maximum_interval)} apart"


def _figures() -> list[str]:
    client = ClientConfig()
    client_retry = ClientRetry(
        max_attempts=client.max_attempts,
        initial_backoff_seconds=client.initial_backoff_seconds,
        max_backoff_seconds=client.max_backoff_seconds,
    )
    execute = ActivityTimeouts()
    runner = RunnerConfig.from_env({})
    assert client_retry.multiplier == 2.0
    assert STATUS_WRITE_RETRY.maximum_attempts == 0, "the text says 'without an attempt limit'"
    assert REPORT_RETRY.maximum_attempts == 0
    return [
        # Graceful stops and ExecuteWorkflow.
        f"`RUNNER_GRACEFUL_SHUTDOWN_SECONDS` ({_s(runner.graceful_shutdown)} by default)",
        f"(`STIGMER_RUNNER_MAX_ATTEMPTS`, {execute.maximum_attempts} by default, "
        f"{_backoff(EXECUTE_WORKFLOW_BACKOFF)})",
        f"The default heartbeat timeout of ExecuteWorkflow is {_s(execute.heartbeat)}.",
        # The runner's client.
        f"`STIGMER_CLIENT_MAX_ATTEMPTS` times ({client.max_attempts} by default) on UNAVAILABLE, "
        f"{_s(client.initial_backoff_seconds)} doubling to {_s(client.max_backoff_seconds)} "
        f"apart (full jitter), each attempt with a {_s(client.call_timeout_seconds)} deadline",
        # Progress reports.
        f"`ReportTaskProgress` local activity, {_backoff(REPORT_RETRY)}, for up to "
        f"{_duration(REPORT_BUDGET)} ({_s(REPORT_ATTEMPT_TIMEOUT)} per attempt)",
        f"After {_duration(REPORT_BUDGET)} the report is given up",
        # The final status write.
        f"retried without an attempt limit, {_backoff(STATUS_WRITE_RETRY)}, for up to "
        f"{_duration(STATUS_WRITE_BUDGET)} ({_s(STATUS_WRITE_ATTEMPT_TIMEOUT)} per attempt)",
        f"(unlimited attempts {_backoff(STATUS_WRITE_RETRY)}, for up to "
        f"{_duration(STATUS_WRITE_BUDGET)})",
        # The engine's activities.
        f"the engine activity's {INFRASTRUCTURE_RETRY.maximum_attempts} attempts, "
        f"{_backoff(INFRASTRUCTURE_RETRY)}, each making the client's {client.max_attempts}",
        f"a **heartbeat timeout of {_s(HEARTBEAT_TIMEOUT)}**",
        f"{INFRASTRUCTURE_RETRY.maximum_attempts} attempts, "
        f"{_s(INFRASTRUCTURE_RETRY.initial_interval)} doubling to "
        f"{_s(INFRASTRUCTURE_RETRY.maximum_interval or timedelta())}.",
    ]


@pytest.mark.parametrize("figure", _figures())
def test_reliability_doc_states_the_code_figures(figure: str) -> None:
    text = re.sub(r"\s+", " ", DOC.read_text())
    assert figure in text, f"docs/reliability.md should say: {figure}"
