"""CloudEvents 1.0 over HTTP (binary, structured and batch content modes) to JSON envelopes.

Parsing and validation are the ``cloudevents`` SDK's; an event leaves here as its structured
JSON form (``data`` or ``data_base64``), the shape ``listen`` tasks read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from cloudevents.core.formats.json import JSONFormat
from stigmer_protos.limits import MAX_EVENTS_PER_BATCH

BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"

_FORMAT = JSONFormat()


class EventFormatError(ValueError):
    """The request is not a valid CloudEvent (or batch of them); the message says why."""


def parse_request(headers: Mapping[str, str], body: bytes) -> list[dict[str, Any]]:
    """The CloudEvents of one HTTP request, as JSON envelopes.

    Args:
        headers: The request headers (any case).
        body: The request body (already bounded by the caller).

    Raises:
        EventFormatError: Not a CloudEvent, a batch that is not a JSON array, more than
            :data:`MAX_EVENTS_PER_BATCH` events, or an event without ``type``/``source``/``id``.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    if content_type == BATCH_CONTENT_TYPE:
        try:
            items = json.loads(body)
        except ValueError as exc:
            raise EventFormatError(f"batch: not JSON: {exc}") from None
        if not isinstance(items, list):
            raise EventFormatError("batch: expected a JSON array of structured events")
        return parse_events(items, "batch")
    return [_one(lowered, body)]


def parse_events(items: list[Any], where: str = "events") -> list[dict[str, Any]]:
    """Structured-mode CloudEvents (JSON objects), checked as the HTTP endpoint checks them.

    Raises:
        EventFormatError: More than :data:`MAX_EVENTS_PER_BATCH` events, or one that is not a
            CloudEvent with ``type``/``source``/``id`` (named ``<where>[i]``).
    """
    if len(items) > MAX_EVENTS_PER_BATCH:
        raise EventFormatError(f"{where}: at most {MAX_EVENTS_PER_BATCH} events per request")
    return [
        _structured(json.dumps(item).encode(), f"{where}[{index}]")
        for index, item in enumerate(items)
    ]


def _structured(body: bytes, where: str) -> dict[str, Any]:
    if not body.lstrip().startswith(b"{"):
        raise EventFormatError(f"{where}: expected a JSON object")
    headers = {"content-type": STRUCTURED_CONTENT_TYPE}
    return _one(headers, body, where)


def _one(headers: Mapping[str, str], body: bytes, where: str = "event") -> dict[str, Any]:
    binary = any(name.startswith("ce-") for name in headers)
    if not binary:
        if not body.lstrip().startswith(b"{"):
            raise EventFormatError(f"{where}: expected a structured CloudEvent (a JSON object)")
        try:
            raw = json.loads(body)
        except ValueError as exc:
            raise EventFormatError(f"{where}: not JSON: {exc}") from None
        _require_identity(raw, where)
    elif not headers.get("ce-id"):
        raise EventFormatError(f"{where}: the ce-id header is required")
    try:
        event = from_http_event(HTTPMessage(headers=dict(headers), body=body))
        envelope: dict[str, Any] = json.loads(_FORMAT.write(event))
    except Exception as exc:  # the SDK raises assorted ValueError/TypeError/KeyError kinds
        raise EventFormatError(f"{where}: {exc}") from None
    _require_identity(envelope, where)
    return envelope


def _require_identity(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        raise EventFormatError(f"{where}: expected a JSON object")
    for name in ("type", "source", "id"):
        value = raw.get(name)
        if not isinstance(value, str) or not value:
            raise EventFormatError(f"{where}: attribute '{name}' is required (a non-empty string)")
