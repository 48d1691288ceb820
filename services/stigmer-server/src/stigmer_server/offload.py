"""Running CPU-bound message work (decoding, encoding) off the event loop when it is large.

betterproto2 is pure Python: a message costs about a second per few hundred kilobytes to
decode or encode. Done on the event loop, that holds up health checks and every other call;
in a worker thread the loop keeps running (the GIL is handed over every few milliseconds).
Small messages stay inline, where a thread hop would cost more than the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

INLINE_BYTES = 8 * 1024
"""Messages up to this size are decoded or encoded on the event loop."""

P = ParamSpec("P")
R = TypeVar("R")


async def run_sized(size: int, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)``: inline when ``size`` is at most :data:`INLINE_BYTES`, else in a
    worker thread."""
    if size <= INLINE_BYTES:
        return fn(*args, **kwargs)
    return await asyncio.to_thread(fn, *args, **kwargs)
