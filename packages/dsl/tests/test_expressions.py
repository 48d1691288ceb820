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


@pytest.mark.parametrize(
    "bad",
    [
        ".a +",  # a plain syntax error in a batch of good ones
        "1 ) + (",  # valid only if joined with a neighbour
        '"open',  # an unterminated string would swallow the next expression
        "1 # comment \\",  # a jq comment continued on the next line
        "if . then 1 else 2",  # a missing end the next expression cannot supply
        "$unbound_elsewhere | $ other",
    ],
)
def test_many_expressions_get_the_answers_one_by_one_gets(bad: str) -> None:
    good = [".a", "$input.x + 1", "[.[] | select(. > 1)]", "'quoted' + .b", "def f: 1; f", "end_"]
    exprs = [*good, bad, *good, "+ 1"]
    one_by_one = {e: problems[0] for e in exprs if (problems := expressions.check(e))}
    assert bad in one_by_one or bad.startswith("$unbound")
    assert expressions.syntax_problems(exprs) == one_by_one


def test_load_keeps_expression_problems_in_document_order() -> None:
    from stigmer_dsl import DefinitionError, load_workflow

    text = """document: {dsl: '1.0.3', namespace: t, name: o, version: '1.0.0'}
do:
  - a: {set: {x: '${ .a + }'}, then: nowhere}
  - b: {set: {x: '${ .b }'}, then: elsewhere}
  - c: {set: {x: '${ (.c }'}}
"""
    with pytest.raises(DefinitionError) as info:
        load_workflow(text)
    pointers = [problem.split(": ")[0] for problem in info.value.problems]
    assert pointers == ["/do/0/a/then", "/do/0/a/set", "/do/1/b/then", "/do/2/c/set"]
    assert "jq syntax error in '.a +'" in info.value.problems[1]
