"""Redis implementation of :class:`~stigmer_server.store.base.ResourceStore` (redis-py asyncio)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from stigmer_server.domain.kinds import Kind
from stigmer_server.errors import AlreadyExistsError, ConflictError, NotFoundError
from stigmer_server.store.base import Mutation, StoredRecord, StreamEvent
from stigmer_server.store.keys import KindKeys

_MAX_ATTEMPTS = 200

_UPDATE = """
if redis.call('HGET', KEYS[1], 'd') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'o', ARGV[3], 's', ARGV[4], 'i', ARGV[5])
local removed = tonumber(ARGV[7])
for at = 3, 2 + removed do redis.call('ZREM', KEYS[at], ARGV[6]) end
for at = 3 + removed, #KEYS do redis.call('ZADD', KEYS[at], 0, ARGV[6]) end
if ARGV[8] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[11], '*', ARGV[8], ARGV[9])
  if ARGV[10] ~= '' then redis.call('EXPIRE', KEYS[2], ARGV[10])
  else redis.call('PERSIST', KEYS[2]) end
end
return 1
"""
"""Writes an updated record unless its data changed since it was read (then returns 0).

KEYS: the record, its event stream, the indexes it leaves, the indexes it joins. ARGV: the data
read, the new data, org, slug, index names, id, how many indexes it leaves, the stream entry's
field (empty: not published) and value, the stream's lifetime in seconds (empty: none), its
approximate length bound. The same writes as :meth:`RedisStore._write` and
:meth:`RedisStore._publish`, as one command.
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _indexes(raw: Any) -> set[str]:
    return {i for i in _text(raw).split("\n") if i} if raw is not None else set()


async def _backoff(attempt: int) -> None:
    # Randomised so that colliding writers do not collide again in lockstep.
    await asyncio.sleep(random.uniform(0, min(0.001 * (attempt + 1), 0.02)))


class RedisStore:
    """Resources in Redis: hash per record, slug reservation keys, lexicographic id indexes.

    Every write is one MULTI/EXEC transaction guarded by WATCH (optimistic concurrency), which
    also maintains the secondary indexes and appends to the resource's event stream.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str,
        *,
        stream_maxlen: int = 1000,
        stream_entry_max_bytes: int | None = None,
        closed_stream_ttl_s: int = 3600,
    ) -> None:
        """Wrap ``client``.

        Args:
            client: A redis-py asyncio client (``protocol=3``).
            prefix: Key prefix (see :mod:`stigmer_server.store.keys`).
            stream_maxlen: Approximate bound of each event stream (entries).
            stream_entry_max_bytes: Largest state a stream entry carries; a larger one is
                published as a ``reread`` entry without data. ``None``: no bound.
            closed_stream_ttl_s: Lifetime of a deleted or closed resource's stream.
        """
        self._r = client
        self._prefix = prefix
        self._maxlen = stream_maxlen
        self._entry_max = stream_entry_max_bytes
        self._closed_ttl = closed_stream_ttl_s
        self._update = client.register_script(_UPDATE)

    def _entry(self, record: StoredRecord) -> tuple[str, bytes]:
        """The field and value of the stream entry publishing ``record``."""
        state = record.data if record.published is None else record.published
        if self._entry_max is not None and len(state) > self._entry_max:
            return "r", b"1"
        return "d", state

    def _publish(self, pipe: Any, key: str, record: StoredRecord) -> None:
        name, value = self._entry(record)
        pipe.xadd(key, {name: value}, maxlen=self._maxlen, approximate=True)
        if record.closed:
            pipe.expire(key, self._closed_ttl)
        else:
            pipe.persist(key)

    def _tx(self) -> Any:
        # redis-py's pipeline methods are partly untyped; treat the pipeline as dynamic.
        return self._r.pipeline(transaction=True)

    def _batch(self) -> Any:
        return self._r.pipeline(transaction=False)

    def keys(self, kind: Kind) -> KindKeys:
        """Key builder for ``kind``."""
        return KindKeys(self._prefix, kind)

    async def create(self, kind: Kind, record: StoredRecord) -> None:
        """Store a new resource and reserve its slug, atomically.

        Raises:
            AlreadyExistsError: The slug is taken within the org.
        """
        k = self.keys(kind)
        skey, rkey = k.slug(record.org, record.slug), k.record(record.id)
        for attempt in range(_MAX_ATTEMPTS):
            async with self._tx() as pipe:
                try:
                    await pipe.watch(skey, rkey)
                    owner = await pipe.get(skey)
                    if owner is not None:
                        raise AlreadyExistsError(
                            f"{kind.name} with slug '{record.slug}' already exists"
                            f" in org '{record.org}' (id: {_text(owner)})"
                        )
                    # HEXISTS, not EXISTS: on Cluster, redis-py splits the multi-key EXISTS
                    # by slot and never awaits it inside a WATCH (the call is always truthy).
                    if await pipe.hexists(rkey, "d"):
                        raise AlreadyExistsError(f"{kind.name} {record.id} already exists")
                    pipe.multi()
                    pipe.set(skey, record.id)
                    self._write(pipe, k, record, set())
                    await pipe.execute()
                    return
                except WatchError:
                    await _backoff(attempt)
        raise ConflictError(f"too many concurrent writes creating {kind.name} {record.slug}")

    def _write(self, pipe: Any, k: KindKeys, record: StoredRecord, old: set[str]) -> None:
        pipe.hset(
            k.record(record.id),
            mapping={
                "d": record.data,
                "o": record.org,
                "s": record.slug,
                "i": "\n".join(sorted(record.indexes)),
            },
        )
        for name in old - record.indexes:
            pipe.zrem(k.index(name), record.id)
        for name in record.indexes - old:
            pipe.zadd(k.index(name), {record.id: 0})

    async def get(self, kind: Kind, resource_id: str) -> bytes | None:
        """Return the resource's data, or ``None``."""
        data = await self._r.hget(self.keys(kind).record(resource_id), "d")
        return None if data is None else bytes(data, "utf-8") if isinstance(data, str) else data

    async def indexes(self, kind: Kind, resource_id: str) -> frozenset[str] | None:
        """The names of the indexes listing the resource, or ``None`` when it does not exist.

        One small read of the record's index field: e.g. an execution's phase without decoding
        the execution.
        """
        raw = await self._r.hget(self.keys(kind).record(resource_id), "i")
        return None if raw is None else frozenset(_indexes(raw))

    async def find_id_by_slug(self, kind: Kind, org: str, slug: str) -> str | None:
        """Return the id owning ``slug`` in ``org``, or ``None``."""
        owner = await self._r.get(self.keys(kind).slug(org, slug))
        return None if owner is None else _text(owner)

    async def update(
        self, kind: Kind, resource_id: str, mutate: Mutation, *, publish: bool = False
    ) -> bytes:
        """Read, ``mutate``, write back unless a concurrent write intervened (then retry).

        ``mutate`` gets the current data and returns the new record; it must keep id, org and
        slug. Domain errors it raises abort the update.

        Args:
            kind: Resource kind.
            resource_id: Resource id.
            mutate: Pure function of the current data; may run several times.
            publish: Append the new state to the resource's event stream.

        Returns:
            The data written.

        Raises:
            NotFoundError: No such resource.
            ConflictError: Gave up after too many conflicting writes.
        """
        k = self.keys(kind)
        rkey = k.record(resource_id)
        for attempt in range(_MAX_ATTEMPTS):
            # Read, then write in one script that checks the data is still what was read: two
            # round trips and no connection held between them (WATCH needs both).
            current, raw_idx = await self._r.hmget(rkey, ["d", "i"])
            if current is None:
                raise NotFoundError(f"{kind.name} not found: {resource_id}")
            record = mutate(current.encode() if isinstance(current, str) else current)
            old = _indexes(raw_idx)
            left = sorted(old - record.indexes)
            joined = sorted(record.indexes - old)
            entry, state = self._entry(record) if publish else ("", b"")
            written = await self._update(
                keys=[
                    rkey,
                    k.events(resource_id),
                    *(k.index(name) for name in left),
                    *(k.index(name) for name in joined),
                ],
                args=[
                    current,
                    record.data,
                    record.org,
                    record.slug,
                    "\n".join(sorted(record.indexes)),
                    record.id,
                    len(left),
                    entry,
                    state,
                    self._closed_ttl if record.closed else "",
                    self._maxlen,
                ],
            )
            if written:
                return record.data
            await _backoff(attempt)
        raise ConflictError(f"too many concurrent writes to {kind.name} {resource_id}")

    async def delete(
        self, kind: Kind, resource_id: str, check: Callable[[bytes], None] | None = None
    ) -> bytes:
        """Delete the resource, its slug reservation and index entries; close its stream.

        Args:
            kind: Resource kind.
            resource_id: Resource id.
            check: Called with the current data before deleting; may raise to refuse.

        Returns:
            The deleted resource's data.
        """
        k = self.keys(kind)
        rkey = k.record(resource_id)
        for attempt in range(_MAX_ATTEMPTS):
            async with self._tx() as pipe:
                try:
                    await pipe.watch(rkey)
                    data, raw_idx, org, slug = await pipe.hmget(rkey, ["d", "i", "o", "s"])
                    if data is None:
                        raise NotFoundError(f"{kind.name} not found: {resource_id}")
                    if check is not None:
                        check(data)
                    skey = k.slug(_text(org or b""), _text(slug or b""))
                    await pipe.watch(skey)
                    owner = await pipe.get(skey)
                    pipe.multi()
                    pipe.delete(rkey)
                    if owner is not None and _text(owner) == resource_id:
                        pipe.delete(skey)
                    for name in _indexes(raw_idx):
                        pipe.zrem(k.index(name), resource_id)
                    ekey = k.events(resource_id)
                    pipe.xadd(ekey, {"x": b"1"}, maxlen=self._maxlen, approximate=True)
                    pipe.expire(ekey, self._closed_ttl)
                    await pipe.execute()
                    return bytes(data)
                except WatchError:
                    await _backoff(attempt)
        raise ConflictError(f"too many concurrent writes to {kind.name} {resource_id}")

    async def scan_index(
        self, kind: Kind, index: str, after_id: str | None, count: int
    ) -> list[tuple[str, bytes | None]]:
        """Return up to ``count`` (id, data) pairs, newest first, strictly after ``after_id``.

        Cost is O(log N + count): ids sort by ULID (creation time) in a zero-score sorted set.
        """
        k = self.keys(kind)
        upper = f"({after_id}" if after_id else "+"
        raw_ids = await self._r.zrevrangebylex(k.index(index), upper, "-", start=0, num=count)
        ids = [_text(i) for i in raw_ids]
        if not ids:
            return []
        async with self._batch() as pipe:
            for rid in ids:
                pipe.hget(k.record(rid), "d")
            datas = await pipe.execute()
        return list(zip(ids, datas, strict=True))

    async def count_index(self, kind: Kind, index: str) -> int:
        """Number of resources in the index."""
        n: int = await self._r.zcard(self.keys(kind).index(index))
        return n

    async def skip_index(self, kind: Kind, index: str, offset: int) -> str | None:
        """Id of the ``offset``-th newest entry (1-based), to resume after; ``None`` for 0."""
        if offset <= 0:
            return None
        ids = await self._r.zrevrange(self.keys(kind).index(index), offset - 1, offset - 1)
        return _text(ids[0]) if ids else "0"

    async def snapshot_with_position(
        self, kind: Kind, resource_id: str
    ) -> tuple[bytes | None, str]:
        """Read the resource and its stream's last entry id in one MULTI (no gap between)."""
        k = self.keys(kind)
        async with self._tx() as pipe:
            pipe.xrevrange(k.events(resource_id), "+", "-", count=1)
            pipe.hget(k.record(resource_id), "d")
            last, data = await pipe.execute()
        position = _text(last[0][0]) if last else "0-0"
        return data, position

    async def read_events(
        self, kind: Kind, resource_id: str, after: str, block_ms: int, count: int
    ) -> list[StreamEvent]:
        """Block up to ``block_ms`` for stream entries after ``after`` (at most ``count``)."""
        key = self.keys(kind).events(resource_id)
        reply = await self._r.xread({key: after}, count=count, block=block_ms)
        if not reply:
            return []
        entries: Any = reply[key.encode()] if isinstance(reply, dict) else reply[0][1]
        # RESP3 replies nest the entry list one level deeper than RESP2 ones.
        if entries and isinstance(entries[0], list) and isinstance(entries[0][0], list | tuple):
            entries = entries[0]
        events: list[StreamEvent] = []
        for entry_id, fields in entries:
            fields = {_text(f): v for f, v in fields.items()}
            events.append(StreamEvent(_text(entry_id), fields.get("d"), reread="r" in fields))
        return events

    async def ping(self) -> None:
        """Raise when Redis is unreachable."""
        await self._r.ping()

    async def close(self) -> None:
        """Close the client and its pool."""
        await self._r.aclose()
