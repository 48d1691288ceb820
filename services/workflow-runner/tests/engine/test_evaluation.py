"""Unit tests of runtime-expression evaluation (the runner's jq worker pool)."""

from __future__ import annotations

import pytest
from stigmer_dsl import expressions
from stigmer_dsl.errors import WorkflowError
from workflow_runner.engine import evaluation


def test_evaluate_with_variables_and_now() -> None:
    value = evaluation.evaluate(
        "{a: (.x + $input.y), t: now, c: $context}",
        {"x": 1},
        {"input": {"y": 2}, "context": {}},
        42.0,
    )
    assert value == {"a": 3, "t": 42.0, "c": {}}


def test_program_cache_reuses_programs() -> None:
    expressions.program_text.cache_clear()
    for n in range(5):
        evaluation.evaluate(".x + $k", {"x": n}, {"k": 1}, 0.0)
    info = expressions.program_text.cache_info()
    assert info.misses == 1 and info.hits == 4


def test_empty_result_is_null_and_errors_are_expression_errors() -> None:
    assert evaluation.evaluate("empty", None, {}, 0.0) is None
    with pytest.raises(WorkflowError) as info:
        evaluation.evaluate(".a + 1", {"a": "x"}, {}, 0.0)
    assert info.value.error["type"].endswith("/errors/expression")
    assert info.value.error["status"] == 400


async def test_evaluate_value_is_recursive_and_strict() -> None:
    value = await evaluation.evaluate_value(
        {"a": "${ .x }", "b": [".x", "${ .x * 2 }"], "c": 1}, {"x": 3}, {}, 0.0
    )
    assert value == {"a": 3, "b": [".x", 6], "c": 1}


def test_single_quoted_literals_are_accepted() -> None:
    assert expressions.normalize("""'a' + "b'c" + 'd'""") == '"a" + "b\'c" + "d"'
    assert evaluation.evaluate("if .t > 1 then 'hot' else 'cold' end", {"t": 2}, {}, 0) == "hot"


async def test_a_value_encodes_its_input_once_for_all_its_expressions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = {"x": 3, "items": list(range(1000))}
    encoded: list[object] = []
    real = evaluation.json.dumps

    def counting(value: object, *args: object, **kwargs: object) -> str:
        encoded.append(value)
        return real(value, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluation.json, "dumps", counting)
    value = await evaluation.evaluate_value(
        {"a": "${ .x }", "b": ["${ .items | length }", "${ .x * 2 }"]}, data, {}, 0.0
    )
    assert value == {"a": 3, "b": [1000, 6]}
    assert sum(1 for v in encoded if v is data) == 1
