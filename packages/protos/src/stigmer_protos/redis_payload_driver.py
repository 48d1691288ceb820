"""A Temporal external-storage driver that keeps large payloads in Redis (ADR 0031).

Each payload is stored once under the SHA-256 of its serialized form, zlib-compressed, with a
time to live; the claim written to history names the digest only. Storing the same payload
again (a retried activity, a replayed command) rewrites the same key and renews its life.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence

from redis.asyncio import Redis
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

DRIVER_NAME = "stigmer-redis"
"""The driver's name in every reference written to history; never change it."""

_DIGEST = re.compile(r"[0-9a-f]{64}")
_COMPRESSION_LEVEL = 6


class PayloadNotFoundError(RuntimeError):
    """A referenced payload is no longer in Redis (expired or deleted) or fails its digest."""


class RedisStorageDriver(StorageDriver):
    """Stores payloads as ``<key prefix><sha256 hex>`` = zlib(serialized ``Payload``).

    Args:
        client: The Redis client (bytes responses).
        key_prefix: Prefix of every key, e.g. ``stigmer:payload:``.
        ttl_seconds: Life of a stored payload, renewed each time it is stored or read.
    """

    def __init__(self, client: Redis, *, key_prefix: str, ttl_seconds: int) -> None:
        """Keep the client and the key settings."""
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be positive")
        self._client = client
        self._prefix = key_prefix
        self._ttl = ttl_seconds

    def name(self) -> str:
        """The name references carry."""
        return DRIVER_NAME

    def type(self) -> str:
        """A language-neutral type name."""
        return "redis"

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        """Write each payload under its digest; return one claim per payload."""
        claims: list[StorageDriverClaim] = []
        async with self._client.pipeline(transaction=False) as pipe:
            for payload in payloads:
                raw = payload.SerializeToString(deterministic=True)
                digest = hashlib.sha256(raw).hexdigest()
                pipe.set(
                    self._prefix + digest, zlib.compress(raw, _COMPRESSION_LEVEL), ex=self._ttl
                )
                claims.append(StorageDriverClaim(claim_data={"sha256": digest}))
            await pipe.execute()
        return claims

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        """Read each claimed payload, renewing its life, and check it against its digest.

        Raises:
            PayloadNotFoundError: A claim is malformed, its payload is gone or does not match.
        """
        digests = [self._digest(claim) for claim in claims]
        async with self._client.pipeline(transaction=False) as pipe:
            for digest in digests:
                pipe.getex(self._prefix + digest, ex=self._ttl)
            found: list[bytes | None] = await pipe.execute()
        payloads: list[Payload] = []
        for digest, blob in zip(digests, found, strict=True):
            if blob is None:
                raise PayloadNotFoundError(
                    f"external payload sha256:{digest} is not in Redis (expired or deleted; "
                    "STIGMER_PAYLOAD_TTL_SECONDS must outlive the execution and its retention)"
                )
            raw = zlib.decompress(blob)
            if hashlib.sha256(raw).hexdigest() != digest:
                raise PayloadNotFoundError(f"external payload sha256:{digest} fails its digest")
            payloads.append(Payload.FromString(raw))
        return payloads

    @staticmethod
    def _digest(claim: StorageDriverClaim) -> str:
        digest = claim.claim_data.get("sha256", "")
        if not _DIGEST.fullmatch(digest):
            raise PayloadNotFoundError("external payload claim has no valid sha256 digest")
        return digest
