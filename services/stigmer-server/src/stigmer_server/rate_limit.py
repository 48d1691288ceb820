"""Per-key rate limits: a token bucket per API key in Redis, RESOURCE_EXHAUSTED beyond it.

Each credential (a digest of the bearer key; every unauthenticated caller shares one bucket)
has a bucket of ``burst`` tokens refilled at ``rate`` per second, shared by every replica: one
single-key Lua script per call reads, refills and takes a token atomically (Redis ``TIME``, so
replica clocks do not matter; Cluster-safe). A refused call gets RESOURCE_EXHAUSTED and the
trailing metadata ``retry-after`` (seconds, decimal) saying when a token will be there.
``runner`` keys are not limited: throttling progress reports would stall executions.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import grpc
import redis.asyncio as aioredis

from stigmer_server.access.api_keys import Scope
from stigmer_server.access.gate import CallGate, refusing
from stigmer_server.access.key_source import ApiKeySource
from stigmer_server.workflowexecution.request_ids import caller_digest

_log = logging.getLogger(__name__)

RETRY_AFTER = "retry-after"

# Tokens and the refill time are kept in one hash; idle buckets expire once full again.
_TAKE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now_ms
tokens = math.min(burst, tokens + math.max(0, now_ms - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', now_ms)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return wait
"""


@dataclass(frozen=True)
class RateLimit:
    """Calls per second and burst of each API key.

    Attributes:
        per_second: Sustained calls per second per key (``STIGMER_RATE_LIMIT_PER_SECOND``);
            0 turns limiting off.
        burst: Calls a key may make at once after being idle (``STIGMER_RATE_LIMIT_BURST``);
            0 means ``max(1, 2 x per_second)``.
    """

    per_second: float = 0.0
    burst: int = 0

    @property
    def enabled(self) -> bool:
        """Whether calls are limited."""
        return self.per_second > 0

    @property
    def bucket_size(self) -> int:
        """The burst in force."""
        return self.burst or max(1, math.ceil(2 * self.per_second))


class TokenBuckets:
    """The buckets, in Redis under ``{<prefix>:rl}:<credential digest>``."""

    def __init__(self, client: aioredis.Redis, prefix: str, limit: RateLimit) -> None:
        """Keep buckets of ``limit`` in ``client`` under ``prefix``."""
        self._r = client
        self._prefix = prefix
        self._limit = limit

    async def take(self, credential: str) -> float:
        """Take a token for ``credential``; return 0, or the seconds until one is available."""
        key = f"{{{self._prefix}:rl}}:{credential or 'anonymous'}"
        wait_ms = await self._r.eval(
            _TAKE, 1, key, str(self._limit.per_second), str(self._limit.bucket_size)
        )
        return int(wait_ms) / 1000


class RateLimitInterceptor(CallGate):
    """RESOURCE_EXHAUSTED with ``retry-after`` once a key has spent its tokens."""

    def __init__(self, buckets: TokenBuckets, keys: ApiKeySource | None) -> None:
        """Charge calls to ``buckets``; ``keys`` tells runner keys apart (``None``: no auth)."""
        self._buckets = buckets
        self._keys = keys

    async def admit(self, handler: Any, method: str, token: bytes | None) -> Any:
        """``handler``, or one that refuses the call for now."""
        if self._keys is not None and self._keys.identify(token) is Scope.RUNNER:
            return handler
        try:
            wait_s = await self._buckets.take(caller_digest(token))
        except Exception:
            # The store is down too, and its own calls will say so: do not add a second error.
            _log.warning("rate limiter unavailable; call let through", exc_info=True)
            return handler
        if wait_s <= 0:
            return handler
        return _exhausted(handler, wait_s)


def _exhausted(handler: Any, wait_s: float) -> Any:
    return refusing(
        handler,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"rate limit of this API key exceeded; retry after {wait_s:.3f} s",
        ((RETRY_AFTER, f"{wait_s:.3f}"),),
    )
