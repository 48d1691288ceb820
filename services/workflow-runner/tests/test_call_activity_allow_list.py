"""The runner's ``call: activity`` allow-list setting (parsing is :mod:`stigmer_dsl.activity_policy`'s)."""

from __future__ import annotations

import pytest
from stigmer_dsl.activity_policy import (
    ActivityNotAllowedError,
    is_internal,
    parse_allow_list,
    task_queue_for,
)
from stigmer_protos.temporal_names import INTERNAL_ACTIVITIES
from workflow_runner.config import RunnerConfig


def test_default_allows_nothing() -> None:
    assert parse_allow_list("") == []
    assert RunnerConfig.from_env({}).allowed_activities == ()
    with pytest.raises(ActivityNotAllowedError, match="not allowed"):
        task_queue_for([], "ChargeCard", "payments")


@pytest.mark.parametrize("name", [*sorted(INTERNAL_ACTIVITIES), "ServerlessWorkflowFuture"])
def test_internal_activity_cannot_be_listed(name: str) -> None:
    assert is_internal(name)
    with pytest.raises(ValueError, match="engine-internal activity and can never be allowed"):
        RunnerConfig.from_env({"STIGMER_CALL_ACTIVITY_ALLOW": f"{name}@q"})
