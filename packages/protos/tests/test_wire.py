from __future__ import annotations

import pytest
from stigmer_protos import wire
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google.protobuf import Struct

EXECUTION = wex.WorkflowExecution(
    api_version="v1",
    kind="WorkflowExecution",
    spec=wex.WorkflowExecutionSpec(workflow_id="wfl-1"),
    status=wex.WorkflowExecutionStatus(
        phase=wex.ExecutionPhase.EXECUTION_FAILED,
        tasks=[wex.WorkflowTask(task_id="a"), wex.WorkflowTask(task_id="b" * 300)],
        output=Struct.from_dict({"n": 1.5}),
    ),
)


def test_fields_name_each_field_and_its_payload() -> None:
    data = bytes(EXECUTION)
    found = [(n, t, data[s:e]) for n, t, s, e in wire.fields(data)]
    assert [n for n, _, _ in found] == [1, 2, 4, 5]
    assert found[0] == (1, 2, b"v1")
    assert found[3][2] == bytes(EXECUTION.status)


def test_message_varint_and_payloads_read_what_decoding_reads() -> None:
    data = bytes(EXECUTION)
    status = wire.message(data, 5)
    assert status == bytes(EXECUTION.status)
    assert wire.varint(status, 1) == wex.ExecutionPhase.EXECUTION_FAILED
    assert wire.payloads(status, 2) == [bytes(t) for t in EXECUTION.status.tasks]  # type: ignore[union-attr]
    assert wire.message(data, 3) is None
    assert wire.varint(bytes(wex.WorkflowExecutionStatus()), 1) == 0


def test_the_last_occurrence_wins_as_when_decoding() -> None:
    first = bytes(wex.WorkflowExecutionStatus(phase=wex.ExecutionPhase.EXECUTION_PENDING))
    second = bytes(wex.WorkflowExecutionStatus(phase=wex.ExecutionPhase.EXECUTION_COMPLETED))
    assert wire.varint(first + second, 1) == wex.ExecutionPhase.EXECUTION_COMPLETED
    outer = bytes(wex.WorkflowExecution(status=wex.WorkflowExecutionStatus(phase=1)))
    outer += bytes(
        wex.WorkflowExecution(
            status=wex.WorkflowExecutionStatus(tasks=[wex.WorkflowTask(task_id="x")])
        )
    )
    decoded = wex.WorkflowExecution.parse(outer).status
    assert wex.WorkflowExecutionStatus.parse(wire.message(outer, 5) or b"") == decoded


def test_only_keeps_the_named_fields_with_their_tags() -> None:
    data = bytes(EXECUTION)
    kept = wex.WorkflowExecution.parse(wire.only(data, frozenset({2, 4})))
    assert kept == wex.WorkflowExecution(kind="WorkflowExecution", spec=EXECUTION.spec)


@pytest.mark.parametrize("data", [b"\x0a\x05ab", b"\x08", b"\x0b", b"\x08" + b"\xff" * 11])
def test_malformed_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(wire.MalformedError):
        list(wire.fields(data))


def test_fields_written_are_read_back_in_place() -> None:
    status = bytes(wex.WorkflowExecutionStatus(phase=1, error="e"))
    task = bytes(wex.WorkflowTask(task_id="t" * 200))
    placed = wire.insert(status, 2, wire.length_delimited(2, task))
    assert placed == bytes(
        wex.WorkflowExecutionStatus(phase=1, error="e", tasks=[wex.WorkflowTask(task_id="t" * 200)])
    )
    assert wire.insert(b"", 5, b"\x2a\x00") == b"\x2a\x00"
