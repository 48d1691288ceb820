"""A real Redis server process on a loopback port, in its own data directory."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from stigmer_devstack.binaries import find_redis_server
from stigmer_devstack.ports import free_port, wait_for_port


@dataclass(frozen=True)
class RedisServer:
    """A running Redis server started by :func:`start_redis`."""

    host: str
    port: int
    pid: int
    data_dir: Path

    @property
    def url(self) -> str:
        """The ``redis://`` URL of the server."""
        return f"redis://{self.host}:{self.port}/0"


def redis_args(
    binary: Path,
    data_dir: Path,
    port: int,
    *,
    host: str = "127.0.0.1",
    appendonly: bool = False,
    logfile: Path | None = None,
) -> list[str]:
    """The redis-server command line: no RDB snapshots, AOF when ``appendonly``.

    Args:
        binary: The redis-server executable.
        data_dir: Its working directory (AOF files).
        port: Port to bind.
        host: Interface to bind.
        appendonly: Persist with AOF (``appendfsync everysec``).
        logfile: Log file; stdout when omitted.
    """
    return [
        str(binary),
        "--port",
        str(port),
        "--bind",
        host,
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "yes" if appendonly else "no",
        "--logfile",
        str(logfile) if logfile is not None else "",
    ]


def start_redis(
    data_dir: Path, port: int | None = None, *, appendonly: bool = False, host: str = "127.0.0.1"
) -> RedisServer:
    """Start redis-server in the foreground of a child process and wait until it accepts clients.

    Args:
        data_dir: Directory for its files (and AOF when ``appendonly``).
        port: Port to bind; a free one when omitted.
        appendonly: Persist with AOF (``appendfsync everysec``).
        host: Interface to bind.

    Returns:
        The running server.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port(host)
    args = redis_args(
        find_redis_server(),
        data_dir,
        port,
        host=host,
        appendonly=appendonly,
        logfile=data_dir / "redis.log",
    )
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, host)
    except TimeoutError:
        proc.kill()
        log = (
            (data_dir / "redis.log").read_text(errors="replace")[-2000:]
            if (data_dir / "redis.log").exists()
            else ""
        )
        raise RuntimeError(f"redis-server did not start on {host}:{port}: {log}") from None
    return RedisServer(host=host, port=port, pid=proc.pid, data_dir=data_dir)


def stop_pid(pid: int, timeout: float = 5.0) -> None:
    """Terminate a process by pid, then kill it if it has not exited within ``timeout``."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            waited = pid if not Path(f"/proc/{pid}").exists() else 0
        if waited == pid:
            return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
