"""Temporal connection settings and connect(), shared by both services."""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client
from temporalio.converter import ExternalStorage
from temporalio.service import TLSConfig

from stigmer_protos.payload_storage import PayloadStorageConfig, external_storage
from stigmer_protos.temporal import data_converter

_TRUE = ("1", "true", "yes", "on")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemporalConnectionConfig:
    """Where a Temporal frontend is and how to authenticate to it (Temporal Cloud included)."""

    address: str = "localhost:7233"
    namespace: str = "default"
    tls: bool = False
    api_key: str | None = None
    tls_client_cert_path: str | None = None
    tls_client_key_path: str | None = None
    tls_server_ca_cert_path: str | None = None
    tls_server_name: str | None = None
    payload_storage: PayloadStorageConfig = field(default_factory=PayloadStorageConfig)

    def __post_init__(self) -> None:
        if (self.tls_client_cert_path is None) != (self.tls_client_key_path is None):
            raise ValueError(
                "TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TemporalConnectionConfig:
        """Read ``TEMPORAL_HOST_PORT`` (or ``TEMPORAL_SERVICE_ADDRESS``), ``TEMPORAL_NAMESPACE``,
        ``TEMPORAL_TLS``, ``TEMPORAL_API_KEY`` (implies TLS), ``TEMPORAL_TLS_CLIENT_CERT_PATH`` and
        ``TEMPORAL_TLS_CLIENT_KEY_PATH`` (mTLS), ``TEMPORAL_TLS_SERVER_CA_CERT_PATH`` (roots that
        verify the frontend instead of the system's) and ``TEMPORAL_TLS_SERVER_NAME`` (the name
        checked against its certificate); each TLS file or name implies TLS; and the
        ``STIGMER_PAYLOAD_*`` settings of :class:`PayloadStorageConfig`.

        Raises:
            ValueError: Only one of the client certificate and key paths is set, or a payload
                storage setting is invalid.
        """
        env = os.environ if env is None else env
        api_key = env.get("TEMPORAL_API_KEY") or None
        return cls(
            address=env.get("TEMPORAL_HOST_PORT")
            or env.get("TEMPORAL_SERVICE_ADDRESS")
            or "localhost:7233",
            namespace=env.get("TEMPORAL_NAMESPACE") or "default",
            tls=env.get("TEMPORAL_TLS", "").lower() in _TRUE or api_key is not None,
            api_key=api_key,
            tls_client_cert_path=env.get("TEMPORAL_TLS_CLIENT_CERT_PATH") or None,
            tls_client_key_path=env.get("TEMPORAL_TLS_CLIENT_KEY_PATH") or None,
            tls_server_ca_cert_path=env.get("TEMPORAL_TLS_SERVER_CA_CERT_PATH") or None,
            tls_server_name=env.get("TEMPORAL_TLS_SERVER_NAME") or None,
            payload_storage=PayloadStorageConfig.from_env(env),
        )


def tls_settings(config: TemporalConnectionConfig) -> bool | TLSConfig:
    """The ``tls`` argument of ``Client.connect``: files read now, ``False`` for plaintext.

    Raises:
        OSError: A configured file cannot be read.
    """
    if not (
        config.tls_client_cert_path or config.tls_server_ca_cert_path or config.tls_server_name
    ):
        return config.tls

    def read(path: str | None) -> bytes | None:
        return Path(path).read_bytes() if path else None

    return TLSConfig(
        server_root_ca_cert=read(config.tls_server_ca_cert_path),
        domain=config.tls_server_name,
        client_cert=read(config.tls_client_cert_path),
        client_private_key=read(config.tls_client_key_path),
    )


async def connect(
    config: TemporalConnectionConfig, storage: ExternalStorage | None = None
) -> Client:
    """Connect once to the frontend with the project's data converter.

    Workers built on the client share its converter, so its external storage too.

    Args:
        config: The connection settings.
        storage: The external payload storage already built from
            ``config.payload_storage``; built here when ``None``.
    """
    if storage is None:
        storage = await external_storage(config.payload_storage)
    return await Client.connect(
        config.address,
        namespace=config.namespace,
        tls=tls_settings(config),
        api_key=config.api_key,
        data_converter=data_converter(storage),
    )


async def connect_with_backoff(
    config: TemporalConnectionConfig, *, max_delay: float = 30.0
) -> Client:
    """Connect, retrying forever with capped exponential backoff and jitter.

    Services start in any order (Temporal may come up after them); each failed attempt is
    logged with the address and the next delay.
    """
    # Built once: an S3 client is opened, not retried with each attempt.
    storage = await external_storage(config.payload_storage)
    delay = 0.2
    while True:
        try:
            return await connect(config, storage)
        except Exception as err:  # any failure to reach Temporal is retried
            _log.warning(
                "Temporal at %s unreachable (%s); retrying in %.1fs", config.address, err, delay
            )
            await asyncio.sleep(delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, max_delay)
