"""Short-lived Redis claims: client request ids (idempotent create) and the reconciler lease.

Each claim is one string key under the kind's hash tag (``{<prefix>:<id_prefix>}:q:<digest>``,
``...:l:<name>``), written with one single-key command, so it works unchanged on Redis
Cluster (no multi-key operation at all).
"""

from __future__ import annotations

import hashlib
from typing import Protocol

import redis.asyncio as aioredis

from stigmer_server.domain.kinds import Kind
from stigmer_server.store.keys import KindKeys


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Claims(Protocol):
    """First-writer-wins keys with an expiry."""

    async def claim(self, kind: Kind, parts: tuple[str, ...], value: str, ttl_s: int) -> str | None:
        """Store ``value`` under ``parts`` unless a value is there; return that value or ``None``."""
        ...

    async def lease(self, kind: Kind, name: str, holder: str, ttl_ms: int) -> bool:
        """Take the lease ``name`` for ``ttl_ms`` unless someone holds it; ``True`` when taken."""
        ...


# SET NX GET needs Redis 7; one single-key script does the same on 6.2 (and on Cluster).
_CLAIM = """
local earlier = redis.call('GET', KEYS[1])
if earlier then return earlier end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return false
"""


class RedisClaims:
    """:class:`Claims` in Redis."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        """Use ``client`` with keys under ``prefix`` (the store's prefix)."""
        self._r = client
        self._prefix = prefix

    def claim_key(self, kind: Kind, parts: tuple[str, ...]) -> str:
        """The key of a claim: a digest of ``parts``, so no caller value appears in clear."""
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        return f"{KindKeys(self._prefix, kind).tag}:q:{digest}"

    async def claim(self, kind: Kind, parts: tuple[str, ...], value: str, ttl_s: int) -> str | None:
        """Atomically store ``value`` for ``ttl_s`` unless a value exists; return the existing one.

        Returns:
            ``None`` when this call stored ``value``; otherwise the value stored earlier.
        """
        previous = await self._r.eval(_CLAIM, 1, self.claim_key(kind, parts), value, str(ttl_s))
        return None if previous is None else _text(previous)

    async def lease(self, kind: Kind, name: str, holder: str, ttl_ms: int) -> bool:
        """Take the lease for ``ttl_ms`` unless held; it is never renewed, only left to expire."""
        key = f"{KindKeys(self._prefix, kind).tag}:l:{name}"
        return bool(await self._r.set(key, holder, nx=True, px=ttl_ms))
