"""What the hot paths read off an encoded execution without decoding it whole.

Decoding an execution with betterproto2 costs about as much per task row as encoding it
(tens of milliseconds for a few hundred rows); its phase, the encoding of each task row and
whether its spec holds a secret are found by reading tags and lengths (see
:mod:`stigmer_server.store.wire`).
"""

from __future__ import annotations

from stigmer_protos import wire
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.secrets.redaction import has_secrets, redact_execution

_SPEC = wire.field_number(wex.WorkflowExecution, "spec")
STATUS = wire.field_number(wex.WorkflowExecution, "status")
"""Field number of ``WorkflowExecution.status``."""
_PHASE = wire.field_number(wex.WorkflowExecutionStatus, "phase")
TASKS = wire.field_number(wex.WorkflowExecutionStatus, "tasks")
"""Field number of ``WorkflowExecutionStatus.tasks``."""
_RUNTIME_ENV = frozenset({wire.field_number(wex.WorkflowExecutionSpec, "runtime_env")})


def phase(data: bytes) -> wex.ExecutionPhase:
    """The phase of the encoded execution ``data``, as decoding it would read it.

    Raises:
        wire.MalformedError: ``data`` is not an encoded message.
    """
    status = wire.message(data, STATUS)
    return wex.ExecutionPhase(0 if status is None else wire.varint(status, _PHASE))


def task_payloads(data: bytes) -> list[bytes]:
    """The encoding of each of the execution's task rows, in order.

    Raises:
        wire.MalformedError: ``data`` is not an encoded message.
    """
    status = wire.message(data, STATUS)
    return [] if status is None else wire.payloads(status, TASKS)


def without_status(data: bytes) -> bytes:
    """The encoded execution ``data`` without its status: its other fields as stored, fields
    this version does not know included.

    Raises:
        wire.MalformedError: ``data`` is not an encoded message.
    """
    return wire.without(data, STATUS)


def published(data: bytes) -> bytes:
    """The form of the encoded execution ``data`` its readers are shown: ``data`` itself unless
    its spec holds a secret, which is then redacted (see :func:`redact_execution`).

    Raises:
        wire.MalformedError: ``data`` is not an encoded message.
    """
    spec = wire.message(data, _SPEC)
    # Only the runtime values decide; the input (up to MAX_INPUT_BYTES) is not decoded.
    if spec is None or not has_secrets(
        wex.WorkflowExecutionSpec.parse(wire.only(spec, _RUNTIME_ENV))
    ):
        return data
    return bytes(redact_execution(wex.WorkflowExecution.parse(data)))
