"""Building the DSL workflow input from an execution spec."""

from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google import protobuf as wkt
from workflow_runner.execution_input import workflow_input


def test_structured_input_with_trigger_message_and_metadata() -> None:
    spec = wex.WorkflowExecutionSpec(
        input=wkt.Struct.from_dict({"petId": 2, "ratio": 0.5, "items": [1, 2.5, {"n": 3}]}),
        trigger_message="go",
        trigger_metadata={"source": "cron"},
    )
    data = workflow_input(spec)
    assert data == {
        "petId": 2,
        "ratio": 0.5,
        "items": [1, 2.5, {"n": 3}],
        "message": "go",
        "metadata": {"source": "cron"},
    }
    assert type(data["petId"]) is int and type(data["items"][2]["n"]) is int


def test_structured_input_keys_win_over_trigger_fields() -> None:
    spec = wex.WorkflowExecutionSpec(
        input=wkt.Struct.from_dict({"message": "mine"}), trigger_message="theirs"
    )
    assert workflow_input(spec) == {"message": "mine"}
    assert workflow_input(wex.WorkflowExecutionSpec()) == {}


def test_an_uploaded_input_is_the_base_object() -> None:
    spec = wex.WorkflowExecutionSpec(
        input=wkt.Struct.from_dict({"_truncated": True, "bytes": 12}), trigger_message="go"
    )
    assert workflow_input(spec, {"big": [1, 2]}) == {"big": [1, 2], "message": "go"}
