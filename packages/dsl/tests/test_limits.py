"""Documents beyond the size limits are rejected at load with a clear message."""

from __future__ import annotations

import pytest
import yaml
from stigmer_dsl import DefinitionError, limits, load_workflow

HEAD = {"document": {"dsl": "1.0.0", "namespace": "t", "name": "limits", "version": "1.0.0"}}


def _load(do: list[object]) -> None:
    load_workflow(yaml.safe_dump({**HEAD, "do": do}))


def test_too_many_tasks() -> None:
    tasks = [{f"t{i}": {"set": {"i": i}}} for i in range(limits.MAX_TASKS + 1)]
    with pytest.raises(
        DefinitionError, match=f"{limits.MAX_TASKS + 1} tasks; at most {limits.MAX_TASKS}"
    ):
        _load(tasks)


def test_too_deep() -> None:
    node: dict[str, object] = {"leaf": {"set": {"x": 1}}}
    for level in range(limits.MAX_DEPTH):
        node = {f"level{level}": {"do": [node]}}
    with pytest.raises(DefinitionError, match=f"nested {limits.MAX_DEPTH + 1} levels deep"):
        _load([node])


def test_expression_too_long() -> None:
    expr = "${ " + " + ".join(["1"] * (limits.MAX_EXPRESSION_CHARS // 4 + 10)) + " }"
    with pytest.raises(DefinitionError, match="/do/0/sum/set: expression of"):
        _load([{"sum": {"set": {"x": expr}}}])


def test_document_too_big() -> None:
    text = yaml.safe_dump({**HEAD, "do": [{"a": {"set": {"x": "y" * limits.MAX_DOCUMENT_BYTES}}}]})
    with pytest.raises(DefinitionError, match="bytes; at most"):
        load_workflow(text)


def test_within_limits_loads() -> None:
    _load([{f"t{i}": {"set": {"i": i}}} for i in range(50)])
