"""What to start: ports, data directory, timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from stigmer_devstack.ports import free_port

DEFAULT_GRPC_PORT = 7234
DEFAULT_TEMPORAL_PORT = 7233
DEFAULT_UI_PORT = 8233
DEFAULT_EVENTS_PORT = 7235

TemporalStore = Literal["file", "memory"]
"""Where the Temporal dev server keeps its state (:attr:`StackConfig.temporal_store`)."""


@dataclass(frozen=True)
class StackConfig:
    """Settings of one embedded stack.

    Attributes:
        data_dir: Holds ``temporal.db``, ``redis/`` (AOF), ``logs/`` and ``secrets.keys`` (the key
            of secret values at rest); reused across runs.
        host: Loopback interface every process binds.
        grpc_port: stigmer-server's gRPC port.
        events_port: stigmer-server's CloudEvents HTTP port (``POST /events``, ADR 0037).
        temporal_port: Temporal frontend gRPC port.
        ui_port: Temporal Web UI port; ``None`` runs the dev server headless.
        redis_port: Redis port; 0 picks a free one.
        namespace: Temporal namespace the services use.
        log_level: ``LOG_LEVEL`` of stigmer-server.
        startup_timeout: Seconds each process gets to become ready.
        stop_timeout: Seconds each process gets to exit after SIGTERM before SIGKILL.
        temporal_store: ``file``: the Temporal dev server keeps its state in ``temporal.db``
            (kept across runs; SQLite in WAL mode, fsynced at every commit); ``memory``: the
            dev server's own default, lost when it stops
            (``hatch run bench --temporal-store memory``).
    """

    data_dir: Path
    host: str = "127.0.0.1"
    grpc_port: int = DEFAULT_GRPC_PORT
    events_port: int = DEFAULT_EVENTS_PORT
    temporal_port: int = DEFAULT_TEMPORAL_PORT
    ui_port: int | None = DEFAULT_UI_PORT
    redis_port: int = 0
    namespace: str = "default"
    log_level: str = "INFO"
    startup_timeout: float = 60.0
    stop_timeout: float = 10.0
    temporal_store: TemporalStore = "file"

    @classmethod
    def ephemeral(cls, data_dir: Path, *, ui: bool = False) -> StackConfig:
        """A configuration on free ports, for a stack living as long as one command or session.

        Args:
            data_dir: Directory for the stack's files (usually a temporary one).
            ui: Serve the Temporal Web UI (on a free port) too.
        """
        host = "127.0.0.1"
        return cls(
            data_dir=data_dir,
            host=host,
            grpc_port=free_port(host),
            events_port=free_port(host),
            temporal_port=free_port(host),
            ui_port=free_port(host) if ui else None,
            redis_port=free_port(host),
        )
