"""The update script on real Redis: a write between read and write is never lost, and the
record, its indexes and its event stream change together (ADR 0040)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.errors import NotFoundError
from stigmer_server.store.base import StoredRecord
from stigmer_server.store.connection import connect
from stigmer_server.store.redis_store import RedisStore

RID = "wex-01jabcdefghjkmnpqrstvwxyz0"
FIRST = StoredRecord(id=RID, org="o", slug="s", data=b"v0", indexes=frozenset({"all", "phase:1"}))


@pytest_asyncio.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    redis = connect(redis_url, max_connections=8)
    yield redis
    await redis.aclose()


@pytest_asyncio.fixture
async def store(client: aioredis.Redis) -> RedisStore:
    created = RedisStore(client, f"t{uuid.uuid4().hex}", closed_stream_ttl_s=600)
    await created.create(WORKFLOW_EXECUTION, FIRST)
    return created


def _race_after_first_read(store: RedisStore, race: Callable[[], Awaitable[object]]) -> None:
    """Make ``race`` run right after the update's first read (another writer landing there)."""
    client = store._r
    original = client.hmget
    raced = False

    async def hmget_then_race(name: str, keys: list[str]) -> list[bytes | None]:
        nonlocal raced
        found: list[bytes | None] = await original(name, keys)
        if not raced:
            raced = True
            await race()
        return found

    client.hmget = hmget_then_race  # type: ignore[method-assign]


async def test_a_write_between_read_and_write_is_read_again(store: RedisStore) -> None:
    key = store.keys(WORKFLOW_EXECUTION).record(RID)
    _race_after_first_read(store, lambda: store._r.hset(key, "d", b"v0+other"))
    seen: list[bytes] = []

    def append(current: bytes) -> StoredRecord:
        seen.append(current)
        return replace(FIRST, data=current + b"+mine")

    written = await store.update(WORKFLOW_EXECUTION, RID, append)
    # The stale read was refused by the script: the other write is kept, then this one.
    assert seen == [b"v0", b"v0+other"]
    assert written == b"v0+other+mine"
    assert await store.get(WORKFLOW_EXECUTION, RID) == b"v0+other+mine"


async def test_a_record_deleted_between_read_and_write_is_not_found(store: RedisStore) -> None:
    _race_after_first_read(store, lambda: store.delete(WORKFLOW_EXECUTION, RID))
    with pytest.raises(NotFoundError):
        await store.update(WORKFLOW_EXECUTION, RID, lambda _: replace(FIRST, data=b"v1"))
    assert await store.get(WORKFLOW_EXECUTION, RID) is None
    assert await store._r.zrange(store.keys(WORKFLOW_EXECUTION).index("all"), 0, -1) == []


async def test_indexes_and_the_stream_change_with_the_record(store: RedisStore) -> None:
    k = store.keys(WORKFLOW_EXECUTION)
    moved = replace(FIRST, data=b"v1", indexes=frozenset({"all", "phase:2"}), published=b"p1")
    await store.update(WORKFLOW_EXECUTION, RID, lambda _: moved, publish=True)
    r = store._r
    assert await r.zrange(k.index("phase:1"), 0, -1) == []
    assert await r.zrange(k.index("phase:2"), 0, -1) == [RID.encode()]
    assert await r.zrange(k.index("all"), 0, -1) == [RID.encode()]
    assert await store.indexes(WORKFLOW_EXECUTION, RID) == frozenset({"all", "phase:2"})
    entries = await r.xrange(k.events(RID))
    assert [fields for _, fields in entries] == [{b"d": b"p1"}]
    assert await r.ttl(k.events(RID)) == -1  # open: kept

    closed = replace(moved, data=b"v2", published=None, closed=True)
    await store.update(WORKFLOW_EXECUTION, RID, lambda _: closed, publish=True)
    entries = await r.xrange(k.events(RID))
    assert [fields for _, fields in entries][-1] == {b"d": b"v2"}
    assert 0 < await r.ttl(k.events(RID)) <= 600

    quiet = replace(closed, data=b"v3", closed=False)
    await store.update(WORKFLOW_EXECUTION, RID, lambda _: quiet)
    assert len(await r.xrange(k.events(RID))) == 2  # not published
    assert await r.hmget(k.record(RID), ["d", "o", "s"]) == [b"v3", b"o", b"s"]


async def test_a_large_state_is_published_as_a_reread(client: aioredis.Redis) -> None:
    store = RedisStore(client, f"t{uuid.uuid4().hex}", stream_entry_max_bytes=4)
    await store.create(WORKFLOW_EXECUTION, FIRST)
    big = replace(FIRST, data=b"0123456789")
    await store.update(WORKFLOW_EXECUTION, RID, lambda _: big, publish=True)
    entries = await client.xrange(store.keys(WORKFLOW_EXECUTION).events(RID))
    assert [fields for _, fields in entries] == [{b"r": b"1"}]
