"""The soak's processes: Temporal dev server, Redis (single or Cluster), server and runner replicas.

Every replica is a plain subprocess in a session of its own, so the chaos can SIGKILL it and
start it again with the same environment (same port for a server) and its log appended.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stigmer_devstack.ports import free_port
from stigmer_devstack.redis_server import start_redis, stop_pid
from stigmer_testing.redis_topologies import start_cluster
from stigmer_testing.services import stop_process, wait_grpc_serving
from stigmer_testing.stack import service_env
from stigmer_testing.temporal_servers import shutdown, start_dev_server
from temporalio.client import Client

from stigmer_bench.procfs import rss_bytes

# Timeouts short enough that a killed replica is noticed within seconds (as the crash tests'),
# and a reconciler that runs often enough to matter within a soak.
SOAK_ENV = {
    "STIGMER_RUNNER_HEARTBEAT_SECONDS": "8",
    "STIGMER_RUNNER_SCHEDULE_TO_START_SECONDS": "60",
    "STIGMER_RUNNER_MAX_ATTEMPTS": "5",
    "STIGMER_SHUTDOWN_GRACE_SECONDS": "2",
    "RUNNER_GRACEFUL_SHUTDOWN_SECONDS": "2",
    "STIGMER_RECONCILE_INTERVAL_SECONDS": "10",
    "STIGMER_RECONCILE_MIN_AGE_SECONDS": "20",
    "PYTHONUNBUFFERED": "1",
}
SERVER_START_S = 120.0


@dataclass
class Replica:
    """One stigmer-server or workflow-runner replica that can be killed and started again.

    Attributes:
        name: ``server-<n>`` or ``runner-<n>``.
        module: The module run with ``python -m``.
        env: Its environment.
        log: Its output, appended across restarts.
        endpoint: ``host:port`` it serves (servers only).
        starts: How often it was started.
    """

    name: str
    module: str
    env: dict[str, str]
    log: Path
    endpoint: str = ""
    starts: int = 0
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start the process; for a server, return once its health service is SERVING."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        if self.endpoint:
            wait_grpc_serving(self.endpoint, self.proc, SERVER_START_S)

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """Stop the process gracefully (SIGTERM, then SIGKILL)."""
        if self.proc is not None:
            stop_process(self.proc)

    def rss(self) -> int:
        """Resident set size of the running process, in bytes (0 when it is not running)."""
        if self.proc is None or self.proc.poll() is not None:
            return 0
        return rss_bytes(self.proc.pid)


@dataclass(frozen=True)
class Fleet:
    """The running soak stack.

    Attributes:
        servers: stigmer-server replicas (same Redis prefix and task queues, own ports).
        runners: workflow-runner replicas, each reporting to any server (see
            :func:`_every_server`).
        temporal: A Temporal client with the project's data converter.
        redis_url: The ``REDIS_URL`` of every replica.
        env: The environment the replicas share (prefix, queues).
    """

    servers: tuple[Replica, ...]
    runners: tuple[Replica, ...]
    temporal: Client
    redis_url: str
    env: Mapping[str, str]

    @property
    def replicas(self) -> tuple[Replica, ...]:
        """Servers, then runners."""
        return (*self.servers, *self.runners)

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The servers' ``host:port``."""
        return tuple(s.endpoint for s in self.servers)


def _every_server(servers: list[Replica], first: int) -> str:
    """A gRPC target naming every server, starting at ``servers[first]``.

    gRPC's ``ipv4:a,b`` target with its default pick_first policy connects to the first address
    that answers and moves on when it goes away: what a load balancer in front of the replicas
    gives a runner in a deployment.
    """
    turn = first % len(servers)
    ordered = servers[turn:] + servers[:turn]
    return "ipv4:" + ",".join(s.endpoint for s in ordered)


def _replicas(
    base: Mapping[str, str], servers: int, runners: int, out: Path
) -> tuple[tuple[Replica, ...], tuple[Replica, ...]]:
    made_servers = []
    for n in range(servers):
        port = free_port()
        endpoint = f"127.0.0.1:{port}"
        env = {**base, "GRPC_PORT": str(port), "STIGMER_BACKEND_ENDPOINT": endpoint}
        made_servers.append(
            Replica(f"server-{n}", "stigmer_server.main", env, out / f"server-{n}.log", endpoint)
        )
    made_runners = [
        Replica(
            f"runner-{n}",
            "workflow_runner.main",
            {**base, "STIGMER_BACKEND_ENDPOINT": _every_server(made_servers, n)},
            out / f"runner-{n}.log",
        )
        for n in range(runners)
    ]
    return tuple(made_servers), tuple(made_runners)


async def _stop_all(replicas: tuple[Replica, ...]) -> None:
    await asyncio.gather(*(asyncio.to_thread(r.stop) for r in replicas))


@asynccontextmanager
async def running_fleet(
    out: Path, *, servers: int = 2, runners: int = 3, redis: str = "single"
) -> AsyncIterator[Fleet]:
    """Start Temporal, Redis and the replicas under ``out``; stop everything on exit.

    Args:
        out: Directory of the logs and data files.
        servers: stigmer-server replicas.
        runners: workflow-runner replicas.
        redis: ``single`` (one redis-server) or ``cluster`` (a 3-master Redis Cluster).
    """
    async with AsyncExitStack() as stack:
        temporal = await start_dev_server(out / "temporal.db")
        stack.push_async_callback(shutdown, temporal)
        if redis == "cluster":
            cluster = start_cluster(out / "redis-cluster")
            stack.callback(cluster.stop)
            redis_url = cluster.url
        elif redis == "single":
            single = start_redis(out / "redis")
            stack.callback(stop_pid, single.pid)
            redis_url = single.url
        else:
            raise ValueError(f"redis must be single or cluster, not {redis!r}")
        base = {
            **service_env(redis_url, temporal.env.client.service_client.config.target_host, "soak"),
            **SOAK_ENV,
        }
        made_servers, made_runners = _replicas(base, servers, runners, out)
        fleet = Fleet(made_servers, made_runners, temporal.env.client, redis_url, base)
        stack.push_async_callback(_stop_all, fleet.replicas)
        await asyncio.gather(*(asyncio.to_thread(r.start) for r in fleet.replicas))
        yield fleet
