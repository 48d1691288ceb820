"""Unit tests of runtime-expression detection, scanning and load-time checks."""

from __future__ import annotations

import pytest
from stigmer_dsl import expressions


def test_detection_and_strip() -> None:
    assert expressions.is_runtime_expression("${ .a }")
    assert expressions.is_runtime_expression("  ${.a}  ")
    assert not expressions.is_runtime_expression(".a")
    assert not expressions.is_runtime_expression(3)
    assert expressions.strip_expression("${ .a + 1 }") == ".a + 1"
    assert expressions.strip_expression(".a") == ".a"


@pytest.mark.parametrize(
    "expr",
    ["input", "[inputs]", "$ENV.HOME", "env.PATH", "debug", "halt", "localtime", "input_filename"],
)
def test_non_deterministic_builtins_are_rejected(expr: str) -> None:
    problems = expressions.check(expr)
    assert problems and problems[0].startswith("not replay-safe")


@pytest.mark.parametrize(
    "expr",
    ["$input.a", ".input", "{input: 1}", '"input \\(.a)"', "now", '"env"', ". # input"],
)
def test_lookalikes_are_allowed(expr: str) -> None:
    assert expressions.check(expr) == []


def test_syntax_errors_are_reported() -> None:
    assert "jq syntax error" in expressions.check(".a +")[0]


def test_scan_finds_variables_in_interpolations() -> None:
    found = expressions.scan('"x \\($item.name)" + $other')
    assert found.variables == {"item", "other"}
