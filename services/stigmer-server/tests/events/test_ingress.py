"""The CloudEvents HTTP endpoint on real Redis: keys and scopes, bounds, durable and deduplicated."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from stigmer_protos.limits import MAX_EVENT_BODY_BYTES
from stigmer_server.access.api_keys import ApiKeySettings, parse_entries
from stigmer_server.access.key_source import ApiKeySource
from stigmer_server.events.ingress import EventIngress
from stigmer_server.events.store import EventStore
from stigmer_server.store.connection import connect

KEYS = {"write": "w-key", "admin": "a-key", "read": "r-key", "runner": "x-key"}
STRUCTURED = {"content-type": "application/cloudevents+json"}


@pytest_asyncio.fixture
async def served(redis_url: str) -> AsyncIterator[tuple[str, EventStore, Any]]:
    client = connect(redis_url, max_connections=8)
    store = EventStore(
        client,
        f"t{uuid.uuid4().hex}",
        retention_seconds=60,
        retained_per_type=10,
        stream_maxlen=1000,
    )
    entries = [("test", f"{scope}:{key}") for scope, key in KEYS.items()]
    keys = ApiKeySource(ApiKeySettings(inline=parse_entries(entries)))
    ingress = EventIngress(store, keys)
    port = await ingress.start("127.0.0.1", 0)
    yield f"http://127.0.0.1:{port}/events", store, client
    await ingress.stop()
    await client.aclose()


def _event(id_: str = "1") -> dict[str, Any]:
    return {"specversion": "1.0", "type": "t", "source": "s", "id": id_, "data": {"n": 1}}


def _bearer(scope: str) -> dict[str, str]:
    return {**STRUCTURED, "authorization": f"Bearer {KEYS[scope]}"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (STRUCTURED, 401),
        ({**STRUCTURED, "authorization": "Bearer nope"}, 401),
        ({**STRUCTURED, "authorization": f"Basic {KEYS['write']}"}, 401),
        (_bearer("read"), 403),
        (_bearer("runner"), 403),
        (_bearer("write"), 202),
        (_bearer("admin"), 202),
    ],
)
async def test_only_write_and_admin_keys_may_post(
    served: tuple[str, EventStore, Any], headers: dict[str, str], status: int
) -> None:
    url, store, client = served
    async with httpx.AsyncClient() as http:
        response = await http.post(url, json=_event(), headers=headers)
    assert response.status_code == status, response.text
    assert await client.xlen(store.stream) == (1 if status == 202 else 0)


async def test_an_event_is_stored_before_the_answer_and_a_repeat_is_not(
    served: tuple[str, EventStore, Any],
) -> None:
    url, store, client = served
    async with httpx.AsyncClient() as http:
        first = await http.post(url, json=_event("a"), headers=_bearer("write"))
        again = await http.post(url, json=_event("a"), headers=_bearer("write"))
    assert first.json() == {"accepted": ["a"], "duplicates": []}
    assert again.json() == {"accepted": [], "duplicates": ["a"]}
    assert await client.xlen(store.stream) == 1
    assert [event["id"] for _, event in await store.kept("t")] == ["a"]


async def test_bad_requests_store_nothing(served: tuple[str, EventStore, Any]) -> None:
    url, store, client = served
    async with httpx.AsyncClient() as http:
        oversized = await http.post(
            url, content=b"{" + b" " * MAX_EVENT_BODY_BYTES + b"}", headers=_bearer("write")
        )
        malformed = await http.post(url, content=b'{"type": "t"}', headers=_bearer("write"))
    assert oversized.status_code == 413
    assert malformed.status_code == 400 and "'source'" in malformed.json()["error"]
    assert await client.xlen(store.stream) == 0
