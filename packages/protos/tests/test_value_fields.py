"""A JSON value of any type in the API's ``(Struct, Value)`` field pair, and on the wire."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from google.protobuf import json_format
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.json_values import from_fields, to_fields, whole_numbers

EVERY_TYPE: list[Any] = [
    {"value": 1},
    {},
    {"a": [1, {"b": None}]},
    [],
    [1, "two", None, {"three": 3}],
    "text",
    "",
    0,
    -2.5,
    True,
    False,
    None,
]


@pytest.mark.parametrize("value", EVERY_TYPE, ids=repr)
def test_every_json_type_comes_back_as_itself(value: Any) -> None:
    struct, held = to_fields(value)
    assert (struct is not None) == isinstance(value, dict)  # objects stay in Stigmer's field
    assert (held is None) == isinstance(value, dict)
    status = wex.WorkflowExecutionStatus(output=struct, output_value=held)
    for decoded in (
        wex.WorkflowExecutionStatus.parse(bytes(status)),
        wex.WorkflowExecutionStatus.from_dict(status.to_dict()),
    ):
        got = whole_numbers(from_fields(decoded.output, decoded.output_value))
        assert got == value and type(got) is type(value)


def test_a_real_value_object_and_a_wrapped_number_differ() -> None:
    obj, number = to_fields({"value": 1}), to_fields(1)
    assert obj != number
    assert from_fields(*obj) == {"value": 1} and from_fields(*number) == 1


def test_nothing_reported_reads_as_null() -> None:
    assert from_fields(None, None) is None


@pytest.mark.parametrize("value", [None, [1, None], "x", {"value": 1}], ids=repr)
def test_the_official_runtime_reads_the_same_value(
    official: dict[str, ModuleType], value: Any
) -> None:
    struct, held = to_fields(value)
    ours = wex.WorkflowTask(task_id="t", output=struct, output_value=held)
    theirs = official["wex_api"].WorkflowTask.FromString(bytes(ours))
    assert theirs.HasField("output") == isinstance(value, dict)
    assert theirs.HasField("output_value") != isinstance(value, dict)
    official_json = json_format.MessageToDict(theirs)
    assert ours.to_dict() == official_json
    assert wex.WorkflowTask.from_dict(official_json) == ours
