"""Large message work runs in a worker thread, small work inline."""

from __future__ import annotations

import threading

from stigmer_server.offload import INLINE_BYTES, run_sized


async def test_small_work_runs_on_the_loop_thread_and_large_work_off_it() -> None:
    loop_thread = threading.get_ident()
    assert await run_sized(INLINE_BYTES, threading.get_ident) == loop_thread
    assert await run_sized(INLINE_BYTES + 1, threading.get_ident) != loop_thread
