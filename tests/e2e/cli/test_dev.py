"""``stigmer dev``: start, health, busy ports refused, Ctrl-C leaves no process behind."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
import redis as redis_client
from grpc_health.v1 import health_pb2, health_pb2_grpc
from stigmer_devstack.ports import free_port

pytestmark = pytest.mark.e2e


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find child processes")
def test_dev_starts_serves_and_stops_cleanly(cli: Any, tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("grpc", "temporal", "ui", "redis")}
    args = [
        "dev",
        "--data-dir",
        str(tmp_path / "data"),
        "--grpc-port",
        str(ports["grpc"]),
        "--temporal-port",
        str(ports["temporal"]),
        "--ui-port",
        str(ports["ui"]),
        "--redis-port",
        str(ports["redis"]),
    ]
    proc = subprocess.Popen(
        cli.command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=cli.env(),
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or []], daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 90
    try:
        while not any("Press Ctrl-C to stop" in line for line in seen):
            assert proc.poll() is None, "".join(seen)
            assert time.monotonic() < deadline, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        banner = "".join(seen)
        assert f"127.0.0.1:{ports['grpc']}" in banner
        assert f"http://127.0.0.1:{ports['ui']}" in banner
        assert "listening on loopback only, no API key needed" in banner
        assert "server   |" in banner  # log lines carry the process prefix
        with grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        children = _descendants(proc.pid)
        assert len(children) >= 4
        # Redis persists with AOF under the data dir (Redis 7 writes its AOF directory in the
        # background after start, so ask the server rather than look for files).
        redis = redis_client.Redis(port=ports["redis"], protocol=3)
        try:
            assert redis.config_get("appendonly") == {"appendonly": "yes"}
            assert redis.config_get("dir")["dir"] == str(tmp_path / "data" / "redis")
        finally:
            redis.close()

        second = cli.run(*args, timeout=60)
        assert second.code == 1
        error_lines = [x for x in second.stderr.splitlines() if x.startswith("stigmer: error:")]
        assert len(error_lines) == 1
        assert "port already in use" in error_lines[0]
        assert f"stigmer-server gRPC 127.0.0.1:{ports['grpc']}" in error_lines[0]

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]
    assert (tmp_path / "data" / "temporal.db").exists()
    # The dev server kept its state in WAL mode (ADR 0043): the mode is stored in the file.
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / "temporal.db")) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert os.listdir(tmp_path / "data" / "logs")
