"""workflow-runner process entry point."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from stigmer_protos.temporal_client import connect_with_backoff
from stigmer_telemetry import (
    LOG_FORMAT,
    TelemetryConfigError,
    configure_telemetry,
    install_log_correlation,
    with_tracing,
)

from workflow_runner.client import StigmerClient
from workflow_runner.config import RunnerConfig
from workflow_runner.engine.scrub import install_log_scrubbing
from workflow_runner.liveness import touch_forever
from workflow_runner.worker import build_workers

_log = logging.getLogger("workflow_runner")


async def run(config: RunnerConfig) -> None:
    """Connect (retrying while Temporal is not up yet), run both workers until SIGTERM/SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    connecting = asyncio.ensure_future(connect_with_backoff(config.temporal))
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not connecting.done():
        connecting.cancel()
        return
    client = with_tracing(connecting.result())
    async with StigmerClient(config.api) as api:
        workers = build_workers(client, api, config)
        running = [asyncio.ensure_future(w.run()) for w in workers]
        beating = (
            asyncio.ensure_future(touch_forever(config.heartbeat_file))
            if config.heartbeat_file
            else None
        )
        _log.info(
            "workflow-runner polling %s and %s on %s",
            config.runner_task_queue,
            config.interpreter_task_queue,
            config.temporal.address,
        )
        await asyncio.wait({stopping, *running}, return_when=asyncio.FIRST_COMPLETED)
        _log.info("shutting down: finishing in-flight tasks")
        if beating is not None:
            beating.cancel()
        await asyncio.gather(*(w.shutdown() for w in workers), return_exceptions=True)
        for task in running:
            if task.done() and task.exception():
                raise task.exception()  # type: ignore[misc]


def main() -> None:
    """Console script ``workflow-runner``."""
    try:
        # First: gRPC channels created before this are not instrumented.
        configure_telemetry("workflow-runner")
    except TelemetryConfigError as err:
        print(f"workflow-runner: configuration error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        config = RunnerConfig.from_env()
    except ValueError as err:
        print(f"workflow-runner: configuration error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    logging.basicConfig(level=config.log_level, format=LOG_FORMAT, stream=sys.stderr)
    install_log_correlation()
    # Records emitted by activities lose the execution's secrets (engine/scrub.py).
    install_log_scrubbing()
    asyncio.run(run(config))


if __name__ == "__main__":
    main()
