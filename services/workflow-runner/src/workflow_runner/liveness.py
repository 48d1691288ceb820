"""A liveness file for container probes: touched while the workers' event loop is responsive."""

from __future__ import annotations

import asyncio
from pathlib import Path


async def touch_forever(path: Path, interval_seconds: float = 10.0) -> None:
    """Update ``path``'s modification time every ``interval_seconds`` until cancelled.

    A probe that finds the file older than a few intervals knows the process is wedged even
    though it is still alive (deploy/docker/runner_health.py).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        await asyncio.to_thread(path.touch)
        await asyncio.sleep(interval_seconds)
