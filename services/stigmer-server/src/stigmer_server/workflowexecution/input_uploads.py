"""Inputs too large for one message: uploaded in parts, then named by a create (ADR 0033).

An input above :data:`~stigmer_protos.limits.MAX_INPUT_BYTES` cannot travel in ``create``
(every Stigmer channel carries at most 4 MiB per message, and betterproto2 decodes a 10 MB
``Struct`` in tens of seconds). ``uploadInput`` receives its JSON text in parts; the server
checks it is one JSON object of at most :data:`~stigmer_protos.limits.MAX_UPLOAD_INPUT_BYTES`
and keeps it for :data:`~stigmer_protos.limits.UPLOAD_TTL_SECONDS` under a random id. A create
naming the id stores the text beside the new record (``spec.input_reference``) and drops the
upload.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.limits import MAX_UPLOAD_INPUT_BYTES

from stigmer_server.errors import InvalidArgumentError, ResourceExhaustedError

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


def is_upload_id(value: str) -> bool:
    """Whether ``value`` has the shape of an id :meth:`ExecutionValues.put_upload` makes."""
    return _UPLOAD_ID.fullmatch(value) is not None


async def received_text(parts: AsyncIterator[wex.WorkflowExecutionValueChunk]) -> bytes:
    """The uploaded input's JSON text, once every part has arrived and it is a JSON object.

    Raises:
        ResourceExhaustedError: The parts exceed ``MAX_UPLOAD_INPUT_BYTES`` (no more is read).
        InvalidArgumentError: The text is not one JSON object (``input``).
    """
    buffer = bytearray()
    async for part in parts:
        buffer += part.data
        if len(buffer) > MAX_UPLOAD_INPUT_BYTES:
            raise ResourceExhaustedError(
                f"the uploaded input exceeds {MAX_UPLOAD_INPUT_BYTES} bytes"
            )
    text = bytes(buffer)
    await asyncio.to_thread(_check_object, text)
    return text


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_object(text: bytes) -> None:
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise InvalidArgumentError("input", f"is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidArgumentError("input", "must be a JSON object")
