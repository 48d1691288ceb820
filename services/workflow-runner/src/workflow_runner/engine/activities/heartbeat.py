"""Heartbeat an activity from a background task while it awaits a request or a process.

The engine schedules its activities with a heartbeat timeout (see
``workflow_runner.engine.tasks._activity``), so a worker that dies mid-call is noticed within
seconds and the attempt is retried on another worker instead of waiting out the start-to-close
timeout. The activity body itself awaits httpx or a child process and cannot heartbeat; this
helper does it for them. Heartbeats also deliver cancellation (a DSL ``timeout`` or a cancelled
execution) to the running activity.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from temporalio import activity

MIN_INTERVAL_SECONDS = 0.5
DEFAULT_INTERVAL_SECONDS = 5.0


def interval(heartbeat_timeout: timedelta | None) -> float:
    """Seconds between heartbeats: a third of the timeout (at least 0.5 s), 5 s without one."""
    if heartbeat_timeout is None or heartbeat_timeout.total_seconds() <= 0:
        return DEFAULT_INTERVAL_SECONDS
    return max(MIN_INTERVAL_SECONDS, heartbeat_timeout.total_seconds() / 3)


async def _beat(every: float) -> None:
    # Sleep first: an activity that ends within one interval sends no heartbeat at all, which
    # keeps short calls from paying a heartbeat round trip before they can complete.
    while True:
        await asyncio.sleep(every)
        activity.heartbeat()


@contextlib.asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat in the background for the duration of the block (no-op outside an activity)."""
    if not activity.in_activity():
        yield
        return
    task = asyncio.ensure_future(_beat(interval(activity.info().heartbeat_timeout)))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
