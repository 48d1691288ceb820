"""The liveness file is created and kept fresh while the loop runs."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from workflow_runner.config import RunnerConfig
from workflow_runner.liveness import touch_forever


async def test_touch_forever_keeps_the_file_fresh(tmp_path: Path) -> None:
    path = tmp_path / "run" / "alive"
    task = asyncio.ensure_future(touch_forever(path, interval_seconds=0.05))
    await asyncio.sleep(0.1)
    first = path.stat().st_mtime_ns
    await asyncio.sleep(0.2)
    assert path.stat().st_mtime_ns > first
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_the_file_is_configured_from_the_environment() -> None:
    assert RunnerConfig.from_env({}).heartbeat_file is None
    assert RunnerConfig.from_env({"RUNNER_HEARTBEAT_FILE": "/tmp/x"}).heartbeat_file == Path(
        "/tmp/x"
    )
