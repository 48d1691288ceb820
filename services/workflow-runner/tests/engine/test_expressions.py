"""Unit tests of runtime-expression handling."""

from __future__ import annotations

import pytest
from workflow_runner.engine import expressions
from workflow_runner.engine.errors import WorkflowError


def test_detection_and_strip() -> None:
    assert expressions.is_runtime_expression("${ .a }")
    assert expressions.is_runtime_expression("  ${.a}  ")
    assert not expressions.is_runtime_expression(".a")
    assert not expressions.is_runtime_expression(3)
    assert expressions.strip_expression("${ .a + 1 }") == ".a + 1"
    assert expressions.strip_expression(".a") == ".a"


def test_evaluate_with_variables_and_now() -> None:
    value = expressions.evaluate(
        "{a: (.x + $input.y), t: now, c: $context}",
        {"x": 1},
        {"input": {"y": 2}, "context": {}},
        42.0,
    )
    assert value == {"a": 3, "t": 42.0, "c": {}}


def test_program_cache_reuses_programs() -> None:
    expressions.program_text.cache_clear()
    for n in range(5):
        expressions.evaluate(".x + $k", {"x": n}, {"k": 1}, 0.0)
    info = expressions.program_text.cache_info()
    assert info.misses == 1 and info.hits == 4


def test_empty_result_is_null_and_errors_are_expression_errors() -> None:
    assert expressions.evaluate("empty", None, {}, 0.0) is None
    with pytest.raises(WorkflowError) as info:
        expressions.evaluate(".a + 1", {"a": "x"}, {}, 0.0)
    assert info.value.error["type"].endswith("/errors/expression")
    assert info.value.error["status"] == 400


def test_evaluate_value_is_recursive_and_strict() -> None:
    value = expressions.evaluate_value(
        {"a": "${ .x }", "b": [".x", "${ .x * 2 }"], "c": 1}, {"x": 3}, {}, 0.0
    )
    assert value == {"a": 3, "b": [".x", 6], "c": 1}


def test_single_quoted_literals_are_accepted() -> None:
    assert expressions.normalize("""'a' + "b'c" + 'd'""") == '"a" + "b\'c" + "d"'
    assert expressions.evaluate("if .t > 1 then 'hot' else 'cold' end", {"t": 2}, {}, 0) == "hot"


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
