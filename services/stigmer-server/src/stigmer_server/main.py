"""Process entry point: ``python -m stigmer_server.main`` / the ``stigmer-server`` script."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from stigmer_telemetry import TelemetryConfigError, configure_telemetry, install_log_correlation

from stigmer_server.config import Config, ConfigError
from stigmer_server.logging import configure_logging
from stigmer_server.server import build_server
from stigmer_server.workflowexecution.reconciler import ReconcilerSettings
from stigmer_server.workflowexecution.temporal.orchestrator import Orchestrator

_log = logging.getLogger(__name__)


async def run(config: Config) -> None:
    """Serve until SIGTERM/SIGINT, then drain in-flight calls and stop the worker.

    Unless ``TEMPORAL_DISABLED`` is set, the Temporal worker starts before the server accepts
    calls and ``create`` starts each execution's orchestration workflow.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    orchestrator = (
        None
        if config.temporal_disabled
        else Orchestrator(
            config.temporal,
            reconciler=ReconcilerSettings(
                config.reconcile_interval_seconds, config.reconcile_min_age_seconds
            ),
        )
    )
    running = await build_server(
        config, before_serving=orchestrator.attach if orchestrator is not None else None
    )
    try:
        await stop.wait()
    finally:
        _log.info("shutting down", extra={"grace_s": config.shutdown_grace_seconds})
        await running.stop(config.shutdown_grace_seconds)
        if orchestrator is not None:
            await orchestrator.close()


def main() -> None:
    """Set up telemetry, load the configuration from the environment and run the server."""
    try:
        # First: gRPC servers and Redis clients created before this are not instrumented.
        configure_telemetry("stigmer-server", redis=True)
        config = Config.from_env()
    except (ConfigError, TelemetryConfigError) as err:
        print(f"stigmer-server: configuration error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(config.log_level)
    install_log_correlation()
    asyncio.run(run(config))


if __name__ == "__main__":
    main()
