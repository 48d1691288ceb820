from __future__ import annotations

import pytest
from workflow_runner.config import RunnerConfig


def test_the_runner_reads_log_level_like_the_server() -> None:
    assert RunnerConfig.from_env({}).log_level == "INFO"
    assert RunnerConfig.from_env({"LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert RunnerConfig.from_env({"LOG_LEVEL": "warn"}).log_level == "WARNING"


def test_an_unknown_level_is_a_configuration_error_naming_the_variable() -> None:
    with pytest.raises(ValueError, match=r"LOG_LEVEL: expected one of .* got 'LOUD'"):
        RunnerConfig.from_env({"LOG_LEVEL": "loud"})
