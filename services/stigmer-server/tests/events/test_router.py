"""Routing accepted events to waiting filters, on real Redis: correlation, kept events, resume.

``signal`` stands in for Temporal here (it records deliveries); the path through Temporal is
covered end to end in ``tests/e2e/security/test_events_in.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from stigmer_server.errors import FailedPreconditionError
from stigmer_server.events.router import EventRouter
from stigmer_server.events.store import EventStore
from stigmer_server.store.connection import connect


class Recorder:
    """Records deliveries; executions in ``ended`` are refused as the service refuses them."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.ended: set[str] = set()

    async def __call__(self, execution_id: str, event: dict[str, Any]) -> None:
        if execution_id in self.ended:
            raise FailedPreconditionError("execution is already COMPLETED")
        self.delivered.append((execution_id, event["id"]))


@pytest_asyncio.fixture
async def store(redis_url: str) -> AsyncIterator[EventStore]:
    client = connect(redis_url, max_connections=8)
    yield EventStore(
        client,
        f"t{uuid.uuid4().hex}",
        retention_seconds=60,
        retained_per_type=10,
        stream_maxlen=1000,
    )
    await client.aclose()


def _router(store: EventStore, signal: Recorder) -> EventRouter:
    return EventRouter(store, signal, consumer="c1", reclaim_idle_seconds=60)


def _event(order: str, id_: str) -> dict[str, Any]:
    return {"type": "approval", "source": "s", "id": id_, "data": {"order": order}}


def _listen(order: str, *, complete: bool = True) -> dict[str, Any]:
    return {
        "filters": [
            {
                "with": {"type": "approval"},
                "complete": complete,
                "correlate": {"order": {"from": ".data.order", "expect": order}},
            }
        ]
    }


async def _route_all(router: EventRouter, store: EventStore) -> None:
    await store.ensure_group()
    for entry_id, key, event in await store.read("c1", pending=False, block_ms=10):
        await router.route(key, event)
        await store.ack(entry_id)


async def test_each_event_goes_to_its_correlated_listener_only(store: EventStore) -> None:
    signal = Recorder()
    router = _router(store, signal)
    await router.observe("wex-a", [("/do/0/w", True, _listen("A"))], False)
    await router.observe("wex-b", [("/do/0/w", True, _listen("B"))], False)
    for order, id_ in (("B", "1"), ("A", "2"), ("Z", "3")):
        await store.accept(_event(order, id_))
    await _route_all(router, store)
    assert signal.delivered == [("wex-b", "1"), ("wex-a", "2")]
    # Consumed events are no longer kept; the unmatched one waits for its listener.
    assert [event["id"] for _, event in await store.kept("approval")] == ["3"]


async def test_a_kept_event_is_delivered_when_its_listener_registers(store: EventStore) -> None:
    signal = Recorder()
    router = _router(store, signal)
    await store.accept(_event("A", "1"))
    await _route_all(router, store)
    assert signal.delivered == []
    await router.observe("wex-a", [("/do/0/w", True, _listen("A"))], False)
    assert signal.delivered == [("wex-a", "1")]
    assert await store.kept("approval") == []


async def test_an_event_the_server_cannot_decide_is_delivered_and_still_kept(
    store: EventStore,
) -> None:
    signal = Recorder()
    router = _router(store, signal)
    await router.observe("wex-a", [("/do/0/w", True, _listen("A", complete=False))], False)
    await store.accept(_event("A", "1"))
    await _route_all(router, store)
    assert signal.delivered == [("wex-a", "1")]
    assert [event["id"] for _, event in await store.kept("approval")] == ["1"]


async def test_ended_listeners_get_nothing(store: EventStore) -> None:
    signal = Recorder()
    router = _router(store, signal)
    await router.observe("wex-a", [("/do/0/w", True, _listen("A"))], False)
    await router.observe("wex-a", [("/do/0/w", False, _listen("A"))], False)
    await router.observe("wex-b", [("/do/0/w", True, _listen("B"))], False)
    await router.observe("wex-b", [], True)
    await router.observe("wex-c", [("/do/0/w", True, _listen("C"))], False)
    signal.ended.add("wex-c")  # ended without its last row: found stale on delivery
    for order, id_ in (("A", "1"), ("B", "2"), ("C", "3"), ("C", "4")):
        await store.accept(_event(order, id_))
    await _route_all(router, store)
    assert signal.delivered == []
    assert await store.listeners("approval") == []


async def test_events_claimed_but_not_routed_are_routed_after_a_restart(
    store: EventStore,
) -> None:
    signal = Recorder()
    await store.ensure_group()
    await _router(store, signal).observe("wex-a", [("/do/0/w", True, _listen("A"))], False)
    await store.accept(_event("A", "1"))
    claimed = await store.read("c1", pending=False, block_ms=10)
    assert [event["id"] for _, _, event in claimed] == ["1"]  # then the replica dies
    router = _router(store, signal)
    router.start()
    try:
        for _ in range(200):
            if signal.delivered:
                break
            await asyncio.sleep(0.02)
    finally:
        await router.stop()
    assert signal.delivered == [("wex-a", "1")]
    assert await store.read("c1", pending=True, block_ms=10) == []


async def test_events_a_dead_replica_claimed_are_taken_over(store: EventStore) -> None:
    signal = Recorder()
    await store.ensure_group()
    await _router(store, signal).observe("wex-a", [("/do/0/w", True, _listen("A"))], False)
    await store.accept(_event("A", "1"))
    assert len(await store.read("dead-replica", pending=False, block_ms=10)) == 1
    router = EventRouter(store, signal, consumer="c1", reclaim_idle_seconds=0.05, block_ms=50)
    router.start()
    try:
        for _ in range(200):
            if signal.delivered:
                break
            await asyncio.sleep(0.02)
    finally:
        await router.stop()
    assert signal.delivered == [("wex-a", "1")]
    assert await store.read("dead-replica", pending=True, block_ms=10) == []


async def test_the_start_index_follows_put_and_remove_and_the_router_offers_every_event(
    store: EventStore,
) -> None:
    await store.put_start("wfl-1", ["a", "b"], [{"type": "a"}, {"type": "b"}])
    await store.put_start("wfl-2", ["a"], [{"type": "a", "source": "s"}])
    assert sorted(w for w, _ in await store.starts("a")) == ["wfl-1", "wfl-2"]
    assert await store.starts("b") == [("wfl-1", [{"type": "a"}, {"type": "b"}])]
    await store.put_start("wfl-1", ["c"], [{"type": "c"}])  # re-applied: replaced
    assert [w for w, _ in await store.starts("a")] == ["wfl-2"]
    assert await store.starts("b") == []
    await store.remove_start("wfl-2")
    assert await store.starts("a") == []

    offered: list[tuple[str, str]] = []

    async def start(key: str, event: dict[str, Any]) -> None:
        offered.append((key, event["id"]))

    router = EventRouter(store, Recorder(), consumer="c1", reclaim_idle_seconds=60, start=start)
    await router.route("k1", _event("o-1", "e-1"))
    assert offered == [("k1", "e-1")]
