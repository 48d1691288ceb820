from __future__ import annotations

from stigmer_protos import wire
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google.protobuf import Struct
from stigmer_server.secrets.redaction import REDACTED, redact_execution
from stigmer_server.workflowexecution import stored
from stigmer_server.workflowexecution.status_merge import is_terminal

P = wex.ExecutionPhase


def execution(env: dict[str, ExecutionValue], phase: P = P.EXECUTION_IN_PROGRESS) -> bytes:
    return bytes(
        wex.WorkflowExecution(
            spec=wex.WorkflowExecutionSpec(
                workflow_id="wfl-1", runtime_env=env, input=Struct.from_dict({"big": "x" * 5000})
            ),
            status=wex.WorkflowExecutionStatus(
                phase=phase, tasks=[wex.WorkflowTask(task_id="/do/0/a")]
            ),
        )
    )


def test_phase_is_read_off_the_bytes() -> None:
    for phase in P:
        assert stored.phase(execution({}, phase)) == phase
    assert stored.phase(bytes(wex.WorkflowExecution())) == P.EXECUTION_PHASE_UNSPECIFIED
    # A phase a newer version added reads as decoding reads it (and is not terminal).
    newer = b"\x2a\x02\x08\x63"  # status { phase: 99 }
    assert stored.phase(newer) == wex.WorkflowExecution.parse(newer).status.phase  # type: ignore[union-attr]
    assert not is_terminal(stored.phase(newer))


def test_an_execution_without_secrets_is_published_as_stored() -> None:
    data = execution({"PLAIN": ExecutionValue(value="visible")})
    assert stored.published(data) is data


def test_an_execution_with_a_secret_is_published_redacted() -> None:
    data = execution(
        {
            "PLAIN": ExecutionValue(value="visible"),
            "KEY": ExecutionValue(value="s3", is_secret=True),
        }
    )
    shown = stored.published(data)
    assert shown == bytes(redact_execution(wex.WorkflowExecution.parse(data)))
    spec = wex.WorkflowExecution.parse(shown).spec
    assert spec is not None and spec.runtime_env["KEY"].value == REDACTED
    assert b"s3" not in wire.message(shown, 4)  # type: ignore[operator]
