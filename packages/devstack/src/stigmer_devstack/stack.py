"""The embedded stack: Temporal dev server, Redis, stigmer-server and workflow-runner."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from stigmer_protos.temporal_names import DEFAULT_RUNNER_TASK_QUEUE

from stigmer_devstack.binaries import find_redis_server, find_temporal
from stigmer_devstack.config import StackConfig
from stigmer_devstack.errors import PortBusyError, StackError
from stigmer_devstack.health import (
    grpc_serving,
    has_pollers,
    temporal_serving,
    wait_until,
)
from stigmer_devstack.ports import free_port, is_listening, port_in_use
from stigmer_devstack.processes import LogSink, ManagedProcess
from stigmer_devstack.redis_server import redis_args
from stigmer_devstack.secrets_key import KEYS_FILE_SETTING, KEYS_SETTING, ensure_keys_file
from stigmer_devstack.temporal_sqlite import file_store_args

_SERVICE_MODULES = {"stigmer-server": "stigmer_server", "workflow-runner": "workflow_runner"}


@dataclass(frozen=True)
class StackEndpoints:
    """Where the running stack listens.

    Attributes:
        grpc: stigmer-server ``host:port``.
        temporal: Temporal frontend ``host:port``.
        ui_url: Temporal Web UI URL, or ``None`` when headless.
        redis_url: Redis URL.
        data_dir: The stack's data directory.
    """

    grpc: str
    temporal: str
    ui_url: str | None
    redis_url: str
    data_dir: Path


class Stack:
    """Starts the four processes of the embedded stack and stops them all, children by pid.

    Use it as ``with Stack(config) as endpoints: ...``; leaving the block (normally, on an
    exception or on Ctrl-C) stops every process it started.
    """

    def __init__(self, config: StackConfig, *, log_sink: LogSink | None = None) -> None:
        """Prepare a stack; nothing starts before :meth:`start`.

        Args:
            config: Ports, data directory and timeouts.
            log_sink: Receives every output line of every process, with the process name.
                Lines always go to ``<data_dir>/logs/<name>.log`` as well.
        """
        self.config = config
        self._sink = log_sink
        self._procs: list[ManagedProcess] = []
        self._endpoints: StackEndpoints | None = None

    @property
    def endpoints(self) -> StackEndpoints:
        """The endpoints of the started stack.

        Raises:
            StackError: The stack is not started.
        """
        if self._endpoints is None:
            raise StackError("the stack is not started")
        return self._endpoints

    @property
    def pids(self) -> tuple[int, ...]:
        """Pids of the processes started so far."""
        return tuple(p.pid for p in self._procs)

    @property
    def processes(self) -> tuple[ManagedProcess, ...]:
        """The processes started so far, in start order."""
        return tuple(self._procs)

    def __enter__(self) -> StackEndpoints:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> StackEndpoints:
        """Start every process and wait until each is ready.

        Returns:
            Where the stack listens.

        Raises:
            PortBusyError: A port is taken (nothing is started).
            BinaryNotFoundError: Temporal or Redis is not installed.
            StackError: A process failed to start or become ready (everything is stopped).
        """
        cfg = self.config
        redis_port = cfg.redis_port or free_port(cfg.host)
        self._check_ports(redis_port)
        self._check_services_installed()
        temporal_bin = find_temporal()
        redis_bin = find_redis_server()
        data = cfg.data_dir.resolve()
        (data / "redis").mkdir(parents=True, exist_ok=True)
        logs = data / "logs"
        temporal_addr = f"{cfg.host}:{cfg.temporal_port}"
        grpc_addr = f"{cfg.host}:{cfg.grpc_port}"
        try:
            temporal = self._spawn("temporal", self._temporal_args(temporal_bin, data), logs)
            redis = self._spawn(
                "redis",
                redis_args(redis_bin, data / "redis", redis_port, host=cfg.host, appendonly=True),
                logs,
            )
            env = self._service_env(redis_port)
            # The runner connects to Temporal with backoff, so its slow start can overlap.
            runner = self._spawn(
                "runner", [sys.executable, "-m", "workflow_runner.main"], logs, env
            )
            wait_until(
                lambda: is_listening(redis_port, cfg.host),
                what="accepting connections",
                proc=redis,
                timeout=cfg.startup_timeout,
            )
            wait_until(
                lambda: temporal_serving(temporal_bin, temporal_addr),
                what="serving",
                proc=temporal,
                timeout=cfg.startup_timeout,
            )
            server = self._spawn("server", [sys.executable, "-m", "stigmer_server.main"], logs, env)
            wait_until(
                lambda: grpc_serving(grpc_addr),
                what="gRPC health SERVING",
                proc=server,
                timeout=cfg.startup_timeout,
            )
            wait_until(
                lambda: has_pollers(
                    temporal_bin, temporal_addr, DEFAULT_RUNNER_TASK_QUEUE, cfg.namespace
                ),
                what=f"polling task queue {DEFAULT_RUNNER_TASK_QUEUE}",
                proc=runner,
                timeout=cfg.startup_timeout,
            )
        except BaseException:
            self.stop()
            raise
        ui = f"http://{cfg.host}:{cfg.ui_port}" if cfg.ui_port is not None else None
        self._endpoints = StackEndpoints(
            grpc=grpc_addr,
            temporal=temporal_addr,
            ui_url=ui,
            redis_url=f"redis://{cfg.host}:{redis_port}/0",
            data_dir=data,
        )
        return self._endpoints

    def stop(self) -> None:
        """Stop the services first, then Redis and Temporal; every child is reaped."""
        apps = [p for p in self._procs if p.name in ("server", "runner")]
        infra = [p for p in self._procs if p not in apps]
        for group in (apps, infra):
            _stop_all(group, self.config.stop_timeout)
        self._procs.clear()
        self._endpoints = None

    def failed(self) -> ManagedProcess | None:
        """The first process that exited on its own, if any (for a supervisor loop)."""
        return next((p for p in self._procs if not p.alive()), None)

    def _spawn(
        self, name: str, args: Sequence[str], logs: Path, env: dict[str, str] | None = None
    ) -> ManagedProcess:
        proc = ManagedProcess(name, args, log_path=logs / f"{name}.log", env=env, sink=self._sink)
        self._procs.append(proc)
        return proc

    def _check_ports(self, redis_port: int) -> None:
        cfg = self.config
        wanted = {
            "stigmer-server gRPC": cfg.grpc_port,
            "stigmer-server events": cfg.events_port,
            "Temporal": cfg.temporal_port,
            "Redis": redis_port,
        }
        if cfg.ui_port is not None:
            wanted["Temporal UI"] = cfg.ui_port
        busy = {role: port for role, port in wanted.items() if port_in_use(port, cfg.host)}
        if busy:
            raise PortBusyError(busy, cfg.host)

    @staticmethod
    def _check_services_installed() -> None:
        missing = [d for d, m in _SERVICE_MODULES.items() if importlib.util.find_spec(m) is None]
        if missing:
            raise StackError(
                f"{' and '.join(missing)} not installed in {sys.executable}: "
                f"pip install {' '.join(missing)}"
            )

    def _temporal_args(self, binary: Path, data: Path) -> list[str]:
        cfg = self.config
        args = [
            str(binary),
            "server",
            "start-dev",
            "--ip",
            cfg.host,
            "--port",
            str(cfg.temporal_port),
            "--log-level",
            "error",
            "--namespace",
            cfg.namespace,
        ]
        if cfg.temporal_store == "file":
            args += file_store_args(data / "temporal.db")
        if cfg.ui_port is None:
            args.append("--headless")
        else:
            args += ["--ui-port", str(cfg.ui_port), "--ui-disable-news-fetch"]
        return args

    def _service_env(self, redis_port: int) -> dict[str, str]:
        cfg = self.config
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in _NOT_INHERITED and not k.startswith(_NOT_INHERITED_PREFIXES)
        }
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "GRPC_HOST": cfg.host,
                "GRPC_PORT": str(cfg.grpc_port),
                "STIGMER_EVENTS_HTTP_HOST": cfg.host,
                "STIGMER_EVENTS_HTTP_PORT": str(cfg.events_port),
                "REDIS_URL": f"redis://{cfg.host}:{redis_port}/0",
                # Large Temporal payloads go to the same Redis (ADR 0031).
                "STIGMER_PAYLOAD_STORAGE": "redis",
                "TEMPORAL_HOST_PORT": f"{cfg.host}:{cfg.temporal_port}",
                "TEMPORAL_NAMESPACE": cfg.namespace,
                "STIGMER_BACKEND_ENDPOINT": f"{cfg.host}:{cfg.grpc_port}",
                "STIGMER_SERVICE_USE_TLS": "false",
                "LOG_LEVEL": cfg.log_level,
                # A local stack should stop within seconds of Ctrl-C, not wait out long tasks.
                "STIGMER_SHUTDOWN_GRACE_SECONDS": "3",
                "RUNNER_GRACEFUL_SHUTDOWN_SECONDS": "3",
            }
        )
        if not env.get(KEYS_SETTING) and not env.get(KEYS_FILE_SETTING):
            # Secret values are encrypted at rest; the key lives next to the data it protects.
            keys = ensure_keys_file(cfg.data_dir.resolve() / "secrets.keys")
            env[KEYS_FILE_SETTING] = str(keys)
        return env


# The local stack listens on loopback only and is open there (no key, no TLS): settings of a
# deployed stack in the user's shell must not turn that on, nor point the runner elsewhere.
_NOT_INHERITED = (
    "TEMPORAL_SERVICE_ADDRESS",
    "TEMPORAL_DISABLED",
    "TEMPORAL_TLS",
    "STIGMER_API_KEYS",
    "STIGMER_API_KEYS_FILE",
    "STIGMER_API_KEY",
    "STIGMER_API_KEY_FILE",
)
_NOT_INHERITED_PREFIXES = ("GRPC_TLS_", "STIGMER_SERVICE_")


def _stop_all(procs: Sequence[ManagedProcess], timeout: float) -> None:
    threads = [
        threading.Thread(target=p.stop, args=(timeout,), name=f"stop-{p.name}") for p in procs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
