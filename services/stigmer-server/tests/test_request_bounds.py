"""The wire scanner refuses deep messages and oversized fields before any decoding."""

from __future__ import annotations

from typing import Any

import pytest
from grpc_health.v1 import health_pb2
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google.protobuf import Struct, Value
from stigmer_protos.limits import MAX_EXECUTION_SPEC_BYTES, MAX_INPUT_BYTES, MAX_MESSAGE_DEPTH
from stigmer_server.request_bounds import descriptor_of, wire_problem

STRUCT = descriptor_of(Struct.FromString)
EXECUTION = descriptor_of(wex.WorkflowExecution.FromString)


def nested(levels: int) -> dict[str, Any]:
    """A JSON object nested ``levels`` objects deep."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"n": value}
    return value


def wire_depth(data: bytes) -> int:
    """The smallest ``max_depth`` the scanner accepts ``data`` (a Struct) with."""
    assert STRUCT is not None
    depth = 1
    while wire_problem(data, STRUCT, max_depth=depth) is not None:
        depth += 1
    return depth


def test_descriptors_are_found_for_betterproto_and_google_messages() -> None:
    assert EXECUTION is not None
    assert EXECUTION.full_name == "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution"
    found = descriptor_of(health_pb2.HealthCheckRequest.FromString)
    assert found is not None
    assert found.full_name == "grpc.health.v1.HealthCheckRequest"
    assert descriptor_of(lambda data: data) is None


def test_each_struct_object_level_is_three_message_levels() -> None:
    assert wire_depth(bytes(Struct.from_dict(nested(1)))) == 3
    assert wire_depth(bytes(Struct.from_dict(nested(10)))) == 30


def test_a_message_deeper_than_the_limit_is_refused_naming_it() -> None:
    assert STRUCT is not None
    levels = MAX_MESSAGE_DEPTH // 3 + 1
    data = bytes(Struct.from_dict(nested(levels - 1)))
    assert wire_problem(data, STRUCT) is None
    deep = bytes(Struct.from_dict(nested(levels + 1)))
    problem = wire_problem(deep, STRUCT)
    assert problem is not None
    assert f"more than {MAX_MESSAGE_DEPTH} levels deep" in problem


def test_a_hand_made_deep_message_is_refused_without_recursing_far() -> None:
    # Value{struct_value: Struct{fields: {"n": Value{...}}}} built directly as bytes:
    # 6000 message levels, far more than any decoder could recurse through.
    assert STRUCT is not None
    inner = b""
    for _ in range(2000):
        value = b"\x2a" + _len(inner) + inner  # Value.struct_value = 5
        entry = b"\x0a\x01n" + b"\x12" + _len(value) + value  # key = 1, value = 2
        inner = b"\x0a" + _len(entry) + entry  # Struct.fields = 1
    problem = wire_problem(inner, STRUCT)
    assert problem is not None
    assert "levels deep" in problem


def test_an_input_larger_than_the_limit_is_refused_naming_size_and_limit() -> None:
    assert EXECUTION is not None
    big = wex.WorkflowExecution(
        spec=wex.WorkflowExecutionSpec(
            workflow_id="wfl-1", input=Struct.from_dict({"blob": "x" * MAX_INPUT_BYTES})
        )
    )
    problem = wire_problem(bytes(big), EXECUTION)
    assert problem is not None
    assert problem.startswith("spec.input is ")
    assert f"at most {MAX_INPUT_BYTES} are accepted" in problem
    small = wex.WorkflowExecution(
        spec=wex.WorkflowExecutionSpec(workflow_id="wfl-1", input=Struct.from_dict({"a": "b"}))
    )
    assert wire_problem(bytes(small), EXECUTION) is None


def test_an_execution_spec_larger_than_the_limit_is_refused() -> None:
    assert EXECUTION is not None
    env = {"BIG": ExecutionValue(value="x" * MAX_EXECUTION_SPEC_BYTES)}
    big = wex.WorkflowExecution(
        spec=wex.WorkflowExecutionSpec(workflow_id="wfl-1", runtime_env=env)
    )
    problem = wire_problem(bytes(big), EXECUTION)
    assert problem is not None
    assert problem.startswith("spec is ")
    assert f"at most {MAX_EXECUTION_SPEC_BYTES} are accepted" in problem


@pytest.mark.parametrize(
    "data",
    [
        b"\x0a\x05ab",  # length beyond the end
        b"\x0a",  # tag without its length
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",  # varint longer than 64 bits
        b"\x0b",  # group start: not used by proto3
    ],
)
def test_malformed_bytes_are_refused(data: bytes) -> None:
    assert STRUCT is not None
    assert wire_problem(data, STRUCT) == "the request is not a valid protobuf message"


def test_unknown_fields_are_skipped() -> None:
    assert STRUCT is not None
    assert wire_problem(b"\x7a\x03abc" + b"\x78\x01" + b"\x7d\x00\x00\x00\x00", STRUCT) is None


def _len(data: bytes) -> bytes:
    size = len(data)
    out = bytearray()
    while True:
        byte = size & 0x7F
        size >>= 7
        if size:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def test_inputs_of_any_json_type_and_rerun_inputs_have_the_same_bound() -> None:
    rerun = descriptor_of(wex.WorkflowExecutionRerunInput.FromString)
    assert EXECUTION is not None and rerun is not None
    blob = Value.from_dict(["x" * MAX_INPUT_BYTES])
    big = wex.WorkflowExecution(spec=wex.WorkflowExecutionSpec(workflow_id="w", input_value=blob))
    problem = wire_problem(bytes(big), EXECUTION)
    assert problem is not None and problem.startswith("spec.input_value is ")
    patched = wex.WorkflowExecutionRerunInput(execution_id="e", from_task="/do/0/a", input=blob)
    problem = wire_problem(bytes(patched), rerun)
    assert problem is not None and problem.startswith("input is ")
    small = wex.WorkflowExecutionRerunInput(
        execution_id="e", from_task="/do/0/a", input=Value.from_dict({"a": 1})
    )
    assert wire_problem(bytes(small), rerun) is None
