"""The event ingress over gRPC (``publish``): the same checks and store as ``POST /events``."""

from __future__ import annotations

import json
from typing import Any

from stigmer_protos.limits import MAX_EVENT_BODY_BYTES

from stigmer_server.errors import InvalidArgumentError, ResourceExhaustedError, UnavailableError
from stigmer_server.events.envelope import EventFormatError, parse_events
from stigmer_server.events.store import EventStore


class EventPublisher:
    """Checks and stores published events (ADR 0037)."""

    def __init__(self, store: EventStore) -> None:
        """Store accepted events in ``store``."""
        self._store = store

    async def publish(self, items: list[Any]) -> tuple[list[str], list[str]]:
        """Store ``items`` (structured CloudEvents); return (accepted ids, duplicate ids).

        Raises:
            ResourceExhaustedError: Over ``MAX_EVENT_BODY_BYTES`` in all (nothing stored).
            InvalidArgumentError: A malformed event, named ``events[i]`` (nothing stored).
            UnavailableError: Redis is unreachable.
        """
        size = len(json.dumps(items, separators=(",", ":")))
        if size > MAX_EVENT_BODY_BYTES:
            raise ResourceExhaustedError(
                f"events: {size} bytes, over the {MAX_EVENT_BODY_BYTES} bytes of one request"
            )
        try:
            events = parse_events(items)
        except EventFormatError as exc:
            field, _, message = str(exc).partition(": ")
            raise InvalidArgumentError(field, message) from None
        try:
            return await accept_all(self._store, events)
        except Exception as exc:
            raise UnavailableError(f"the event store is unavailable: {exc}") from exc


async def accept_all(
    store: EventStore, events: list[dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """Store checked events in order; return (accepted ids, duplicate ids)."""
    accepted: list[str] = []
    duplicates: list[str] = []
    for event in events:
        (accepted if await store.accept(event) else duplicates).append(event["id"])
    return accepted, duplicates
