"""Bounds checked on a request's wire bytes, before the request is decoded.

Decoding is the expensive step (betterproto2 builds a Python object per field, about a
second per few hundred kilobytes of ``Struct``), and a deep ``Struct`` exhausts the
decoder's recursion. This scanner reads only tags and lengths, guided by the request's
descriptor, so it refuses a too-deep request or an oversized field in one cheap pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import betterproto2
from google.protobuf.descriptor import Descriptor
from stigmer_protos import wire
from stigmer_protos.google_proto_descriptor_pool import default_google_proto_descriptor_pool
from stigmer_protos.limits import MAX_EXECUTION_SPEC_BYTES, MAX_INPUT_BYTES, MAX_MESSAGE_DEPTH
from stigmer_protos.temporal import proto_name

FIELD_LIMITS: Mapping[str, int] = {
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution.spec": MAX_EXECUTION_SPEC_BYTES,
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec.input": MAX_INPUT_BYTES,
    # Inputs of any JSON type (event-started runs) and a re-run's patched input: the same bound.
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec.input_value": MAX_INPUT_BYTES,
    "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionRerunInput.input": MAX_INPUT_BYTES,
}
"""Largest encoded size of particular fields, by full proto field name."""

_LENGTH = 2  # wire type of a length-delimited field


def descriptor_of(deserializer: Callable[[bytes], Any]) -> Descriptor | None:
    """The message descriptor of a generated ``FromString`` deserializer, if it has one."""
    cls = getattr(deserializer, "__self__", None)
    if not isinstance(cls, type):
        return None
    descriptor = getattr(cls, "DESCRIPTOR", None)
    if isinstance(descriptor, Descriptor):
        return descriptor
    if issubclass(cls, betterproto2.Message):
        try:
            found: Descriptor = default_google_proto_descriptor_pool.FindMessageTypeByName(
                proto_name(cls)
            )
        except KeyError:
            return None
        return found
    return None


def wire_problem(
    data: bytes,
    descriptor: Descriptor,
    *,
    max_depth: int = MAX_MESSAGE_DEPTH,
    field_limits: Mapping[str, int] = FIELD_LIMITS,
) -> str | None:
    """Why the encoded message ``data`` is refused, or ``None`` when it is within bounds.

    Args:
        data: The request's wire bytes.
        descriptor: The descriptor of the message they encode.
        max_depth: Deepest nesting of messages accepted (the request itself is level 1).
        field_limits: Largest encoded size per full field name.

    Returns:
        A message naming the limit (and the field), or ``None``.
    """
    try:
        return _scan(memoryview(data), descriptor, 1, "", max_depth, field_limits)
    except wire.MalformedError:
        return "the request is not a valid protobuf message"


def _scan(
    buf: memoryview,
    descriptor: Descriptor,
    depth: int,
    path: str,
    max_depth: int,
    field_limits: Mapping[str, int],
) -> str | None:
    if depth > max_depth:
        return f"the request nests messages more than {max_depth} levels deep (at {path})"
    fields = descriptor.fields_by_number
    for number, wire_type, start, end in wire.fields(buf):
        if wire_type != _LENGTH:
            continue
        field = fields.get(number)
        if field is None:
            continue
        where = f"{path}.{field.name}" if path else field.name
        if field.message_type is not None:
            # Inner problems first, so the most specific limit is the one named.
            problem = _scan(
                buf[start:end], field.message_type, depth + 1, where, max_depth, field_limits
            )
            if problem is not None:
                return problem
        limit = field_limits.get(field.full_name)
        size = end - start
        if limit is not None and size > limit:
            return f"{where} is {size} bytes encoded; at most {limit} are accepted"
    return None
