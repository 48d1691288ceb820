"""Following an execution live: snapshot, then every later state, across server replicas."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.domain.validation import require
from stigmer_server.errors import NotFoundError, ResourceExhaustedError, UnavailableError
from stigmer_server.store.base import ResourceStore
from stigmer_server.workflowexecution import stored
from stigmer_server.workflowexecution.status_merge import is_terminal

_BATCH = 32


def _terminal(data: bytes) -> bool:
    return is_terminal(stored.phase(data))


class Subscriptions:
    """Streams execution states from the per-execution Redis stream.

    Every write of an execution appends its new state to ``{...}:e:<id>`` in the same
    transaction, so any replica's subscriber sees every replica's writes. The snapshot and the
    stream position are read in one MULTI, so nothing written in between is missed and nothing
    is sent twice. A state too large for the stream comes as a ``reread`` entry: the subscriber
    takes a new snapshot with its position (that state or a later one, never an older one).
    Memory per subscriber is one batch of at most ``_BATCH`` states.

    States are passed on encoded, in the form readers are shown (secrets redacted): a stream
    entry already is that form, a snapshot is redacted when its spec holds a secret. Only the
    phase is read off each state, so a state costs no decoding here and no encoding again on
    the way out.
    """

    def __init__(
        self, store: ResourceStore, block_ms: int, max_live: int = 384, max_per_client: int = 0
    ) -> None:
        """Create the hub.

        Args:
            store: Resource store.
            block_ms: How long one blocking read waits before re-checking for shutdown.
            max_live: Live subscriptions allowed at once (each holds a Redis connection).
            max_per_client: Live subscriptions one client (credential) may hold on this
                replica; 0: no cap below ``max_live``.
        """
        self._store = store
        self._block_ms = block_ms
        self._closing = asyncio.Event()
        self._max_live = max_live
        self._live = 0
        self._max_per_client = max_per_client
        self._by_client: Counter[str] = Counter()

    def close(self) -> None:
        """Make every live subscription end with UNAVAILABLE (clients resubscribe elsewhere)."""
        self._closing.set()

    async def follow(self, execution_id: str, client: str = "") -> AsyncIterator[bytes]:
        """Yield the execution now, then each later state, encoded; stop after a terminal state.

        Ends at once when the execution is already terminal, and when it is deleted.

        Args:
            execution_id: The execution to follow.
            client: Who subscribes (a credential digest), for the per-client cap.

        Raises:
            InvalidArgumentError: Empty id.
            NotFoundError: Unknown execution.
            UnavailableError: The server is shutting down.
        """
        require(execution_id, "execution_id")
        if self._live >= self._max_live:
            raise ResourceExhaustedError(
                f"{self._live} subscriptions are open on this server (the limit); retry later"
            )
        if self._max_per_client and self._by_client[client] >= self._max_per_client:
            raise ResourceExhaustedError(
                f"this API key holds {self._by_client[client]} subscriptions on this server"
                " (the limit per key); close one or retry later"
            )
        self._live += 1
        self._by_client[client] += 1
        try:
            async for state in self._follow(execution_id):
                yield state
        finally:
            self._live -= 1
            self._by_client[client] -= 1
            if not self._by_client[client]:
                del self._by_client[client]

    async def _follow(self, execution_id: str) -> AsyncIterator[bytes]:
        data, position = await self._store.snapshot_with_position(WORKFLOW_EXECUTION, execution_id)
        if data is None:
            raise NotFoundError(f"{WORKFLOW_EXECUTION.name} not found: {execution_id}")
        sent = stored.published(data)
        yield sent
        if _terminal(data):
            return
        while True:
            if self._closing.is_set():
                raise UnavailableError("server is shutting down; subscribe again")
            events = await self._store.read_events(
                WORKFLOW_EXECUTION, execution_id, position, self._block_ms, _BATCH
            )
            for event in events:
                position, data = event.position, event.data
                if event.reread:
                    # A state too large for the stream: read the record with the stream's
                    # position again, so no later entry can carry an older state.
                    data, position = await self._store.snapshot_with_position(
                        WORKFLOW_EXECUTION, execution_id
                    )
                    data = None if data is None else stored.published(data)
                if data is None:
                    return
                if data != sent:
                    sent = data
                    yield data
                    if _terminal(data):
                        return
                if event.reread:
                    break  # the rest of the batch is at or before the new position
