"""The durable side of the event ingress, in Redis (ADR 0037).

Every key shares the hash tag ``{<prefix>:ev}`` (one Redis Cluster slot):

- ``{p:ev}:in``              stream of accepted events not yet routed (consumer group ``route``)
- ``{p:ev}:seen:<h>``        the accepted event of (source, id) digest ``h``, for the retention window
- ``{p:ev}:kept:<t>``        sorted set of digests of type digest ``t`` kept for later listeners
                             (score: acceptance time in ms)
- ``{p:ev}:ls:<t>``          hash: waiting filters of type digest ``t`` (``*``: no literal type)
- ``{p:ev}:lx:<execution>``  set of ``<t> <field>`` of one execution's filters, to remove them
- ``{p:ev}:st:<t>``          hash: workflow id -> its ``schedule.on`` filters (JSON), by type
- ``{p:ev}:sx:<workflow>``   set of the ``st`` keys one workflow is in, to remove it

Acceptance is one script: a repeat of a remembered (source, id) changes nothing; a new event is
remembered, kept and appended to the stream in the same step, before the caller answers 202.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis

from stigmer_server.events.matching import ANY_TYPE, Listener
from stigmer_server.store.keys import escape

GROUP = "route"

_ACCEPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[3]) == false then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'h', ARGV[2], 'e', ARGV[1])
local ttl_ms = tonumber(ARGV[3]) * 1000
local now = tonumber(ARGV[4])
redis.call('ZADD', KEYS[3], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - ttl_ms)
local extra = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[6])
if extra > 0 then redis.call('ZPOPMIN', KEYS[3], extra) end
redis.call('PEXPIRE', KEYS[3], ttl_ms)
return 1
"""


def digest(*parts: str) -> str:
    """A key-safe digest of ``parts`` (any length, any characters)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


class EventStore:
    """Accepted events, the events kept for later listeners, and the waiting filters."""

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str,
        *,
        retention_seconds: int,
        retained_per_type: int,
        stream_maxlen: int,
    ) -> None:
        """Use ``client`` under ``prefix`` with the operator's bounds (:class:`EventSettings`)."""
        self._r = client
        self._tag = f"{{{prefix}:ev}}"
        self.stream = f"{self._tag}:in"
        self._retention = retention_seconds
        self._kept_cap = retained_per_type
        self._maxlen = stream_maxlen

    def _seen(self, event_id: str) -> str:
        return f"{self._tag}:seen:{event_id}"

    def _kept(self, event_type: str) -> str:
        return f"{self._tag}:kept:{digest(event_type)}"

    def _listeners(self, event_type: str) -> str:
        name = ANY_TYPE if event_type == ANY_TYPE else digest(event_type)
        return f"{self._tag}:ls:{name}"

    def _of_execution(self, execution_id: str) -> str:
        return f"{self._tag}:lx:{escape(execution_id)}"

    def _starts(self, event_type: str) -> str:
        return f"{self._tag}:st:{digest(event_type)}"

    def _starts_of(self, workflow_id: str) -> str:
        return f"{self._tag}:sx:{escape(workflow_id)}"

    async def put_start(
        self, workflow_id: str, event_types: Iterable[str], filters: list[dict[str, Any]]
    ) -> None:
        """Index a workflow's ``schedule.on`` filters under their event types (replacing)."""
        await self.remove_start(workflow_id)
        text = json.dumps(filters, separators=(",", ":"))
        pipe = self._r.pipeline(transaction=True)
        for event_type in sorted(set(event_types)):
            pipe.hset(self._starts(event_type), workflow_id, text)
            pipe.sadd(self._starts_of(workflow_id), self._starts(event_type))
        await pipe.execute()

    async def remove_start(self, workflow_id: str) -> None:
        """Drop a workflow from the ``schedule.on`` index."""
        keys = [_text(k) for k in await self._r.smembers(self._starts_of(workflow_id))]
        pipe = self._r.pipeline(transaction=True)
        for key in keys:
            pipe.hdel(key, workflow_id)
        pipe.delete(self._starts_of(workflow_id))
        await pipe.execute()

    async def starts(self, event_type: str) -> list[tuple[str, list[dict[str, Any]]]]:
        """The workflows an event of ``event_type`` may start, with their filters."""
        found = await self._r.hgetall(self._starts(event_type))
        return [(_text(wid), json.loads(text)) for wid, text in found.items()]

    async def accept(self, event: dict[str, Any]) -> bool:
        """Store a new event durably; False (and nothing changed) for a repeat of its
        (``source``, ``id``) within the retention window."""
        key = digest(event["source"], event["id"])
        body = json.dumps(event, separators=(",", ":"))
        added = await self._r.eval(
            _ACCEPT,
            3,
            self._seen(key),
            self.stream,
            self._kept(event["type"]),
            body,
            key,
            str(self._retention),
            str(int(time.time() * 1000)),
            str(self._maxlen),
            str(self._kept_cap),
        )
        return bool(added)

    async def ensure_group(self) -> None:
        """Create the routing consumer group (from the stream's start) unless it exists."""
        try:
            await self._r.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except aioredis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(
        self, consumer: str, *, pending: bool, block_ms: int, count: int = 64
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """Claim events to route: this consumer's unacknowledged ones (``pending``) or new ones.

        Returns:
            (stream entry id, event digest, event) triples, oldest first.
        """
        reply = await self._r.xreadgroup(
            GROUP,
            consumer,
            {self.stream: "0" if pending else ">"},
            count=count,
            block=None if pending else block_ms,
        )
        return self._entries(_stream_entries(reply))

    async def reclaim(
        self, consumer: str, idle_ms: int, count: int = 64
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """Take over events another consumer claimed and left unacknowledged for ``idle_ms``."""
        reply = await self._r.xautoclaim(
            self.stream, GROUP, consumer, min_idle_time=idle_ms, start_id="0-0", count=count
        )
        return self._entries(list(reply[1]) if reply else [])

    @staticmethod
    def _entries(entries: Iterable[Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """Decode stream entries (an entry trimmed away while pending has no fields)."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        for entry_id, fields in entries:
            if not fields:
                continue  # trimmed away while pending
            values = {_text(k): v for k, v in fields.items()}
            out.append((_text(entry_id), _text(values["h"]), json.loads(values["e"])))
        return out

    async def ack(self, entry_id: str) -> None:
        """Mark an entry routed."""
        await self._r.xack(self.stream, GROUP, entry_id)
        await self._r.xdel(self.stream, entry_id)

    async def consume(self, event_type: str, key: str) -> None:
        """Stop keeping an event for later listeners (a listener that matched it got it)."""
        await self._r.zrem(self._kept(event_type), key)

    async def kept(self, event_type: str) -> list[tuple[str, dict[str, Any]]]:
        """The events of ``event_type`` kept for later listeners, oldest first (bounded)."""
        members: list[Any] = list(await self._r.zrange(self._kept(event_type), 0, -1))
        keys = [_text(k) for k in members]
        if not keys:
            return []
        bodies = await self._r.mget([self._seen(k) for k in keys])
        return [(k, json.loads(b)) for k, b in zip(keys, bodies, strict=True) if b is not None]

    async def register(self, listeners: list[Listener]) -> None:
        """Index waiting filters under their event types."""
        if not listeners:
            return
        pipe = self._r.pipeline(transaction=True)
        for listener in listeners:
            index = self._listeners(listener.event_type)
            pipe.hset(index, listener.field, listener.to_json())
            pipe.sadd(self._of_execution(listener.execution_id), f"{index} {listener.field}")
        await pipe.execute()

    async def unregister(self, execution_id: str, task_id: str | None = None) -> None:
        """Remove an execution's filters (only those of ``task_id`` when given)."""
        members = [_text(m) for m in await self._r.smembers(self._of_execution(execution_id))]
        gone = [m for m in members if task_id is None or m.split(" ", 3)[3] == task_id]
        if not gone:
            return
        pipe = self._r.pipeline(transaction=True)
        for member in gone:
            index, field = member.split(" ", 1)
            pipe.hdel(index, field)
            pipe.srem(self._of_execution(execution_id), member)
        await pipe.execute()

    async def listeners(self, event_type: str) -> list[Listener]:
        """The waiting filters an event of ``event_type`` may be for."""
        found: list[Listener] = []
        for index in {self._listeners(event_type), self._listeners(ANY_TYPE)}:
            for value in (await self._r.hgetall(index)).values():
                found.append(Listener.from_json(value))
        return found


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _stream_entries(reply: Any) -> list[Any]:
    """The entries of the one stream in an XREADGROUP reply (RESP2 list or RESP3 map)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return list(next(iter(reply.values()))[0]) if reply else []
    return list(reply[0][1])
