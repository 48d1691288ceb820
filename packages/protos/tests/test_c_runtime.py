from __future__ import annotations

from typing import Any

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.c_runtime import message_class, write_json
from stigmer_protos.json_values import from_fields, to_fields

EVERY_TYPE: list[Any] = [{"a": [1, {"b": None}]}, {}, [1, "x", None], "s", 2, 1.5, True, None]


@pytest.mark.parametrize("value", EVERY_TYPE, ids=repr)
def test_a_json_pair_written_in_c_decodes_as_the_betterproto2_pair(value: Any) -> None:
    task = message_class(wex.WorkflowTask)(task_id="/do/0/a")
    write_json(task, "output", "output_value", value)
    decoded = wex.WorkflowTask.parse(task.SerializeToString())
    struct, other = to_fields(value)
    assert (decoded.output, decoded.output_value) == (struct, other)
    assert from_fields(decoded.output, decoded.output_value) == value


def test_the_class_is_made_once_per_message() -> None:
    assert message_class(wex.WorkflowTask) is message_class(wex.WorkflowTask)
    assert message_class(wex.WorkflowTask).DESCRIPTOR.full_name == (
        "ai.stigmer.agentic.workflowexecution.v1.WorkflowTask"
    )
