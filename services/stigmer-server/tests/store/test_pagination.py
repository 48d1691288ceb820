"""Pages are bounded by bytes as well as by count, on real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.store.base import StoredRecord
from stigmer_server.store.connection import connect
from stigmer_server.store.pagination import Page, list_page
from stigmer_server.store.redis_store import RedisStore

INDEX = "all"


@pytest_asyncio.fixture
async def store(redis_url: str) -> AsyncIterator[RedisStore]:
    client = connect(redis_url, max_connections=8)
    yield RedisStore(client, f"t{uuid.uuid4().hex}")
    await client.aclose()


async def fill(store: RedisStore, sizes: list[int]) -> list[str]:
    """Store one record per size (ids ascending, so listed newest = last first)."""
    ids = []
    for i, size in enumerate(sizes):
        rid = f"wex-{i:04d}"
        data = (b"a" if i % 2 == 0 else b"b") * size
        await store.create(
            WORKFLOW_EXECUTION, StoredRecord(rid, "o", rid, data, frozenset({INDEX}))
        )
        ids.append(rid)
    return ids


async def pages(store: RedisStore, size: int, max_bytes: int | None, **kw: object) -> list[Page]:
    out: list[Page] = []
    token = ""
    while True:
        page = await list_page(
            store,
            WORKFLOW_EXECUTION,
            INDEX,
            size=size,
            token=token,
            query="q",
            max_bytes=max_bytes,
            **kw,  # type: ignore[arg-type]
        )
        out.append(page)
        token = page.next_page_token
        if not token:
            return out


async def test_a_page_ends_before_the_entry_that_would_pass_the_budget(store: RedisStore) -> None:
    await fill(store, [400, 300, 300, 200, 100, 500])  # newest first: 500 100 200 300 300 400
    got = await pages(store, 50, 700)
    assert [[len(d) for d in p.items] for p in got] == [[500, 100], [200, 300], [300, 400]]
    assert all(sum(len(d) for d in p.items) <= 700 for p in got)


async def test_an_entry_larger_than_the_budget_gets_a_page_of_its_own(store: RedisStore) -> None:
    await fill(store, [10, 5000, 10, 10])
    got = await pages(store, 50, 100)
    assert [[len(d) for d in p.items] for p in got] == [[10, 10], [5000], [10]]


async def test_count_still_bounds_a_page_and_no_budget_means_count_only(store: RedisStore) -> None:
    await fill(store, [1000] * 7)
    assert [len(p.items) for p in await pages(store, 3, 10_000)] == [3, 3, 1]
    assert [len(p.items) for p in await pages(store, 3, None)] == [3, 3, 1]
    assert [len(p.items) for p in await pages(store, 50, 2500)] == [2, 2, 2, 1]


async def test_post_filtered_pages_are_bounded_by_bytes_too(store: RedisStore) -> None:
    await fill(store, [300] * 8)  # even indexes hold "a"s, odd ones "b"s

    def only_a(data: bytes) -> bool:
        return data.startswith(b"a")

    got = await pages(store, 50, 700, accept=only_a)
    assert [len(p.items) for p in got] == [2, 2]
    assert all(d.startswith(b"a") for p in got for d in p.items)
