from __future__ import annotations

import pytest
from stigmer_protos.dsl_version import dsl_version_problem, is_supported_dsl_version


@pytest.mark.parametrize(
    "version",
    ["1.0.0", "1.0.3", "1.0.10", "1.0.0-alpha5", "1.0.0-alpha.1", "1.0.1-rc.1+build.7", "1.0.0+x"],
)
def test_every_1_0_x_version_is_accepted(version: str) -> None:
    assert is_supported_dsl_version(version)
    assert dsl_version_problem(version) is None


@pytest.mark.parametrize(
    "version",
    [
        "",
        "1.0",
        "1",
        "1.1.0",
        "0.8",
        "0.8.0",
        "2.0.0",
        "v1.0.0",
        "1.0.0-",
        "1.0.01",
        "1.0.0\n",
        "1.0.٣",
        " 1.0.0",
        "1.0.0-alpha..5",
    ],
)
def test_other_versions_are_refused_with_the_rule(version: str) -> None:
    assert not is_supported_dsl_version(version)
    problem = dsl_version_problem(version)
    assert problem is not None and problem.startswith("must be a 1.0.x DSL version")
    assert repr(version) in problem


def test_a_non_string_is_refused() -> None:
    assert dsl_version_problem(1.0) is not None
    assert dsl_version_problem(None) is not None
