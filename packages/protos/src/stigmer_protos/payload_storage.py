"""Where Temporal payloads above a size go instead of history, shared by both services (ADR 0031).

Both services read the same settings, so a reference written by one is resolved by the other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import aioboto3
from temporalio.contrib.aws.s3driver import S3StorageDriver
from temporalio.contrib.aws.s3driver.aioboto3 import new_aioboto3_client
from temporalio.converter import ExternalStorage, StorageDriver

from stigmer_protos.redis_connection import connect
from stigmer_protos.redis_payload_driver import RedisStorageDriver

KINDS = ("none", "redis", "s3")
"""Values of ``STIGMER_PAYLOAD_STORAGE``."""

S3_DRIVER_NAME = "stigmer-s3"
"""The S3 driver's name in references (history keeps it: never change it)."""

DEFAULT_THRESHOLD_BYTES = 256 * 1024
DEFAULT_TTL_SECONDS = 7 * 24 * 3600
# Connections of the payload client (per node on a Cluster): payloads above the threshold are
# rare, so a small pool is enough.
_REDIS_CONNECTIONS = 16


@dataclass(frozen=True)
class PayloadStorageConfig:
    """External payload storage settings.

    Attributes:
        kind: ``none`` (payloads stay in history, Temporal's 2 MiB limit applies), ``redis`` or
            ``s3`` (``STIGMER_PAYLOAD_STORAGE``).
        threshold_bytes: Payloads of at least this size are stored outside history
            (``STIGMER_PAYLOAD_THRESHOLD_BYTES``).
        redis_url: The Redis holding them (``STIGMER_PAYLOAD_REDIS_URL``, else ``REDIS_URL``;
            every form ``REDIS_URL`` takes, Cluster and Sentinel included).
        key_prefix: Prefix of their keys (``<STIGMER_REDIS_KEY_PREFIX>:payload:``).
        ttl_seconds: Their life, renewed on each store and read
            (``STIGMER_PAYLOAD_TTL_SECONDS``); at least the longest execution plus the
            Temporal namespace's retention.
        s3_bucket: Bucket of the ``s3`` kind (``STIGMER_PAYLOAD_S3_BUCKET``); its lifecycle
            rule is the retention.
        s3_endpoint_url: An S3-compatible endpoint instead of AWS
            (``STIGMER_PAYLOAD_S3_ENDPOINT_URL``); credentials and region come from the
            standard AWS settings (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
            ``AWS_REGION``, a role, ...).
    """

    kind: str = "none"
    threshold_bytes: int = DEFAULT_THRESHOLD_BYTES
    redis_url: str = "redis://localhost:6379/0"
    key_prefix: str = "stigmer:payload:"
    ttl_seconds: int = DEFAULT_TTL_SECONDS
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"STIGMER_PAYLOAD_STORAGE: expected one of {KINDS}, got {self.kind!r}")
        if self.kind == "s3" and not self.s3_bucket:
            raise ValueError(
                "STIGMER_PAYLOAD_S3_BUCKET is required with STIGMER_PAYLOAD_STORAGE=s3"
            )
        if self.threshold_bytes < 1:
            raise ValueError("STIGMER_PAYLOAD_THRESHOLD_BYTES must be positive")
        if self.ttl_seconds < 1:
            raise ValueError("STIGMER_PAYLOAD_TTL_SECONDS must be positive")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PayloadStorageConfig:
        """Read the ``STIGMER_PAYLOAD_*`` settings (and ``REDIS_URL``, ``STIGMER_REDIS_KEY_PREFIX``).

        Raises:
            ValueError: A setting is invalid, named in the message.
        """
        env = os.environ if env is None else env
        d = cls()
        prefix = env.get("STIGMER_REDIS_KEY_PREFIX") or "stigmer"
        return cls(
            kind=(env.get("STIGMER_PAYLOAD_STORAGE") or d.kind).lower(),
            threshold_bytes=_int(env, "STIGMER_PAYLOAD_THRESHOLD_BYTES", d.threshold_bytes),
            redis_url=env.get("STIGMER_PAYLOAD_REDIS_URL") or env.get("REDIS_URL") or d.redis_url,
            key_prefix=f"{prefix}:payload:",
            ttl_seconds=_int(env, "STIGMER_PAYLOAD_TTL_SECONDS", d.ttl_seconds),
            s3_bucket=env.get("STIGMER_PAYLOAD_S3_BUCKET") or "",
            s3_endpoint_url=env.get("STIGMER_PAYLOAD_S3_ENDPOINT_URL") or None,
        )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}: expected an integer, got {raw!r}") from None


async def external_storage(config: PayloadStorageConfig) -> ExternalStorage | None:
    """The SDK's external storage for ``config``, or ``None`` when payloads stay in history.

    The Redis client connects lazily, on the first payload above the threshold. The S3 client
    (the SDK's ``S3StorageDriver`` over aioboto3) is opened here and lives as long as the
    process, like the Temporal client that uses it.
    """
    driver: StorageDriver
    if config.kind == "none":
        return None
    if config.kind == "s3":
        session = aioboto3.Session()
        s3 = await session.client("s3", endpoint_url=config.s3_endpoint_url).__aenter__()
        driver = S3StorageDriver(
            new_aioboto3_client(s3), config.s3_bucket, driver_name=S3_DRIVER_NAME
        )
    else:
        client = connect(config.redis_url, max_connections=_REDIS_CONNECTIONS)
        driver = RedisStorageDriver(
            client, key_prefix=config.key_prefix, ttl_seconds=config.ttl_seconds
        )
    return ExternalStorage(drivers=[driver], payload_size_threshold=config.threshold_bytes)
