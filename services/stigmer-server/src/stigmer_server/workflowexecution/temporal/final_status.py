"""Decode the final status the orchestration workflow passes on undecoded (ADR 0033).

The workflow receives ``ExecuteWorkflow``'s result as a raw payload and hands it to the
status-writing local activity, so a large output is never decoded in workflow code. Here,
outside workflow code, the proto3 JSON is read with the standard library; an output larger
than the record holds inline is split off as JSON text (stored by reference), and only the
small rest is built into a (pure-Python) ``WorkflowExecutionStatus``.
"""

from __future__ import annotations

import json
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.limits import MAX_OUTPUT_BYTES

_OUTPUT_KEYS = ("output", "outputValue", "output_value")
"""JSON names of the output pair (proto3 JSON writes lowerCamelCase; parsers accept both)."""


def json_text(value: Any) -> bytes:
    """The compact JSON text of ``value`` (UTF-8), as stored and served by reference."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def split_final_status(
    data: bytes, max_inline: int = MAX_OUTPUT_BYTES
) -> tuple[wex.WorkflowExecutionStatus, bytes | None]:
    """Read a ``WorkflowExecutionStatus`` from its proto3 JSON ``data``.

    Args:
        data: The payload's JSON.
        max_inline: Largest output kept in the status (encoded as JSON, and as a protobuf).

    Returns:
        The status, and the output's JSON text when it is larger than ``max_inline`` (the
        status then holds no output) or ``None``.
    """
    fields: dict[str, Any] = json.loads(data or b"{}")
    present = [key for key in _OUTPUT_KEYS if key in fields]
    if present:
        text = json_text(fields[present[0]])
        if len(text) > max_inline:
            for key in present:
                del fields[key]
            return wex.WorkflowExecutionStatus.from_dict(fields), text
    status = wex.WorkflowExecutionStatus.from_dict(fields)
    held = status.output if status.output is not None else status.output_value
    if held is not None and len(bytes(held)) > max_inline:
        # A Struct encodes larger than its JSON (tags and lengths per value).
        status.output = status.output_value = None
        return status, json_text(fields[present[0]])
    return status, None
