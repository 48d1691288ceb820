"""The Temporal client of stigmer-server, connected in the background with backoff."""

from __future__ import annotations

import asyncio
import logging

from stigmer_protos.temporal_client import connect_with_backoff
from stigmer_telemetry import with_tracing
from temporalio.client import Client

from stigmer_server.workflowexecution.temporal.config import TemporalConfig

_log = logging.getLogger(__name__)


class TemporalConnection:
    """Holds the client once connected; until then callers learn Temporal is unavailable."""

    def __init__(self, config: TemporalConfig, client: Client | None = None) -> None:
        """Prepare a connection to the configured frontend, or adopt an already connected client."""
        self._config = config
        self._client = client
        self._connected = asyncio.Event()
        if client is not None:
            self._connected.set()

    @property
    def client(self) -> Client | None:
        """The connected client, or None while Temporal has not been reached yet."""
        return self._client

    @property
    def address(self) -> str:
        """The frontend address, for messages."""
        return self._config.connection.address

    async def wait_connected(self) -> Client:
        """Wait until the background connection succeeds."""
        await self._connected.wait()
        assert self._client is not None
        return self._client

    async def connect_with_backoff(self) -> Client:
        """Connect in the background, retrying with backoff until Temporal answers.

        The client carries the tracing interceptor, and so does the worker built on it.
        """
        self._client = with_tracing(
            await connect_with_backoff(
                self._config.connection, max_delay=self._config.connect_backoff_max.total_seconds()
            )
        )
        self._connected.set()
        _log.info(
            "connected to Temporal at %s (namespace %s)",
            self._config.connection.address,
            self._config.connection.namespace,
        )
        return self._client
