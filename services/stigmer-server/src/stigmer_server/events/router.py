"""Delivery of accepted events to waiting ``listen`` tasks, at least once (ADR 0037).

An accepted event sits in the stream until it is routed: signalled to every waiting filter it
may be for (the runner's inbox drops a repeat of a (source, id), so a re-delivery after a crash
is harmless), then acknowledged. A replica that dies mid-way leaves its entries pending: it
resumes them on restart (same consumer name), or another replica takes them over once idle.
An event no filter surely matched stays kept (bounded, for the retention window) for a
``listen`` that starts later: registering a filter delivers the kept events it matches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from stigmer_server.errors import FailedPreconditionError, NotFoundError, UnavailableError
from stigmer_server.events.matching import ANY_TYPE, Listener, Verdict, listeners_of, verdict
from stigmer_server.events.store import EventStore

_log = logging.getLogger(__name__)

Signal = Callable[[str, dict[str, Any]], Awaitable[Any]]
"""Delivers one event to one execution (``ExecutionService.signal``)."""

Start = Callable[[str, dict[str, Any]], Awaitable[None]]
"""Starts the executions an event starts (``EventStarter.start``: key, event)."""

_RETRY_S = 1.0
_STOP_S = 2.0


class EventRouter:
    """Routes accepted events to waiting filters; registers filters from progress rows."""

    def __init__(
        self,
        store: EventStore,
        signal: Signal,
        *,
        consumer: str,
        reclaim_idle_seconds: float,
        block_ms: int = 1000,
        start: Start | None = None,
    ) -> None:
        """Route ``store``'s events through ``signal`` (and ``start``, for ``schedule.on``) as
        consumer ``consumer``."""
        self._store = store
        self._signal = signal
        self._start = start
        self._consumer = consumer
        self._reclaim_ms = int(reclaim_idle_seconds * 1000)
        self._block_ms = block_ms
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Start routing in the background."""
        self._task = asyncio.create_task(self._run(), name="event-router")

    async def stop(self) -> None:
        """Stop routing (an event being routed is routed again by the next start)."""
        self._stopping = True  # a cancellation a blocked Redis read swallows ends the loop
        if self._task is not None:
            self._task.cancel()
            done, _ = await asyncio.wait({self._task}, timeout=_STOP_S)
            if not done:
                _log.warning("event routing did not stop within %s s", _STOP_S)

    async def _run(self) -> None:
        pending = True
        next_reclaim = 0.0
        while not self._stopping:
            try:
                await self._store.ensure_group()
                while not self._stopping:
                    batch = await self._store.read(
                        self._consumer, pending=pending, block_ms=self._block_ms
                    )
                    if pending and not batch:
                        pending = False
                    if not batch and time.monotonic() >= next_reclaim:
                        # Entries a replica that died claimed and never acknowledged.
                        next_reclaim = time.monotonic() + self._reclaim_ms / 1000
                        batch = await self._store.reclaim(self._consumer, self._reclaim_ms)
                    for entry_id, key, event in batch:
                        await self.route(key, event)
                        await self._store.ack(entry_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Redis or Temporal unreachable: the entries stay pending and are routed again.
                _log.warning("event routing paused: %s", exc)
                pending = True
                await asyncio.sleep(_RETRY_S)

    async def route(self, key: str, event: dict[str, Any]) -> None:
        """Deliver one event to the filters waiting for it.

        Raises:
            UnavailableError: Temporal cannot be reached (the event is routed again later).
        """
        consumed = False
        delivered: set[str] = set()
        for listener in await self._store.listeners(str(event["type"])):
            found = verdict(listener, event)
            if found is Verdict.NO:
                continue
            if listener.execution_id not in delivered:
                if not await self._deliver(listener, event):
                    continue
                delivered.add(listener.execution_id)
            consumed = consumed or found is Verdict.YES
        if consumed:
            await self._store.consume(str(event["type"]), key)
        if self._start is not None:
            await self._start(key, event)

    async def _deliver(self, listener: Listener, event: dict[str, Any]) -> bool:
        try:
            await self._signal(listener.execution_id, event)
        except (NotFoundError, FailedPreconditionError):
            # Ended (or deleted) without its last progress row: the filter is stale.
            await self._store.unregister(listener.execution_id)
            return False
        except UnavailableError:
            raise
        return True

    async def observe(
        self, execution_id: str, rows: list[tuple[str, bool, Any]], ended: bool
    ) -> None:
        """Follow ``listen`` tasks in a status update: (task id, in progress, metadata) rows.

        A started ``listen`` registers its filters and gets the kept events they match; an
        ended one (or an ended execution) unregisters them.
        """
        if ended:
            await self._store.unregister(execution_id)
            return
        for task_id, in_progress, described in rows:
            if not in_progress:
                await self._store.unregister(execution_id, task_id)
                continue
            listeners = listeners_of(execution_id, task_id, described)
            await self._store.register(listeners)
            for listener in listeners:
                await self._deliver_kept(listener)

    async def _deliver_kept(self, listener: Listener) -> None:
        if listener.event_type == ANY_TYPE:
            return  # kept events are found by type; a filter without one waits for new ones
        for key, event in await self._store.kept(listener.event_type):
            found = verdict(listener, event)
            delivered = found is not Verdict.NO and await self._deliver(listener, event)
            if delivered and found is Verdict.YES:
                await self._store.consume(listener.event_type, key)
