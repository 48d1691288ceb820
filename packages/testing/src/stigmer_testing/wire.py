"""Hand-built protobuf wire bytes for requests no encoder would produce (too deep to recurse)."""

from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar


def varint(value: int) -> bytes:
    """``value`` as a protobuf base-128 varint."""
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def deep_struct(levels: int) -> bytes:
    """A ``google.protobuf.Struct`` nested ``levels`` objects deep (``{"n": {"n": ...}}``)."""
    inner = b""
    for _ in range(levels):
        value = b"\x2a" + varint(len(inner)) + inner  # Value.struct_value = 5
        entry = b"\x0a\x01n\x12" + varint(len(value)) + value  # key = 1, value = 2
        inner = b"\x0a" + varint(len(entry)) + entry  # Struct.fields = 1
    return inner


def execution_with_input(request: wex.WorkflowExecution, input_struct: bytes) -> bytes:
    """``request`` encoded, with ``input_struct`` (a Struct's bytes) appended as ``spec.input``."""
    spec = bytes(request.spec or wex.WorkflowExecutionSpec())
    spec += b"\x42" + varint(len(input_struct)) + input_struct  # spec.input = 8
    metadata = bytes(request.metadata or ar.ApiResourceMetadata())
    return b"\x1a" + varint(len(metadata)) + metadata + b"\x22" + varint(len(spec)) + spec
