"""Real Redis Cluster and Sentinel groups on loopback ports, for tests.

Both run the same redis-server binary as the single-server fixture (``find_redis_server``:
``$REDIS_SERVER_BIN``, then ``PATH``), in cluster mode and in sentinel mode.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from stigmer_devstack.binaries import find_redis_server
from stigmer_devstack.ports import free_port, port_in_use, wait_for_port
from stigmer_devstack.redis_server import redis_args, stop_pid

HOST = "127.0.0.1"
SLOTS = 16384
BUS_OFFSET = 10000
SENTINEL_SERVICE = "stigmer"


@dataclass(frozen=True)
class RedisProcess:
    """One redis-server process (server or sentinel)."""

    port: int
    pid: int


@dataclass(frozen=True)
class RedisClusterGroup:
    """A running Cluster of masters without replicas."""

    nodes: tuple[RedisProcess, ...]

    @property
    def url(self) -> str:
        """``redis+cluster://`` URL naming every node as a startup node."""
        return "redis+cluster://" + ",".join(f"{HOST}:{n.port}" for n in self.nodes)

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            stop_pid(node.pid)


@dataclass(frozen=True)
class SentinelGroup:
    """One master, its replicas and the sentinels watching them (quorum 2)."""

    servers: tuple[RedisProcess, ...]
    sentinels: tuple[RedisProcess, ...]

    @property
    def url(self) -> str:
        """``redis+sentinel://`` URL naming every sentinel and the service."""
        hosts = ",".join(f"{HOST}:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{SENTINEL_SERVICE}"

    def master_port(self) -> int:
        """The port of the current master, as the first sentinel answering reports it."""
        for s in self.sentinels:
            try:
                with redis.Redis(HOST, s.port, socket_timeout=2) as client:
                    _, port = client.sentinel_get_master_addr_by_name(SENTINEL_SERVICE)
                    return int(port)
            except redis.RedisError:
                continue
        raise RuntimeError("no sentinel answered")

    def stop(self) -> None:
        """Stop sentinels, then servers."""
        for proc in (*self.sentinels, *self.servers):
            stop_pid(proc.pid)


def _spawn(args: list[str], port: int, log: Path) -> RedisProcess:
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, HOST)
    except TimeoutError:
        proc.kill()
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"redis-server did not start on {HOST}:{port}: {tail}") from None
    return RedisProcess(port, proc.pid)


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too."""
    for _ in range(200):
        port = free_port(HOST)
        if port + BUS_OFFSET <= 65535 and not port_in_use(port + BUS_OFFSET, HOST):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _server(data_dir: Path, *extra: str, port: int | None = None) -> RedisProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port(HOST)
    log = data_dir / "redis.log"
    args = redis_args(find_redis_server(), data_dir, port, host=HOST, logfile=log)
    return _spawn([*args, *extra], port, log)


def _wait(check: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def start_cluster(base: Path, masters: int = 3) -> RedisClusterGroup:
    """Start ``masters`` cluster-mode servers, split the slots evenly and join them.

    Slots are assigned with CLUSTER ADDSLOTS and nodes introduced with CLUSTER MEET (what
    ``redis-cli --cluster create`` does, without needing a matching redis-cli).
    """
    nodes: list[RedisProcess] = []
    try:
        for i in range(masters):
            nodes.append(
                _server(
                    base / f"node{i}",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    str(base / f"node{i}" / "nodes.conf"),
                    "--cluster-node-timeout",
                    "2000",
                    port=_cluster_port(),
                )
            )
        for i, node in enumerate(nodes):
            lo, hi = SLOTS * i // masters, SLOTS * (i + 1) // masters
            with redis.Redis(HOST, node.port) as client:
                client.execute_command("CLUSTER ADDSLOTS", *range(lo, hi))
                if i:
                    client.execute_command("CLUSTER MEET", HOST, nodes[0].port)

        def ready() -> bool:
            for node in nodes:
                with redis.Redis(HOST, node.port, decode_responses=True) as client:
                    info = client.execute_command("CLUSTER INFO")
                    if info["cluster_state"] != "ok" or int(info["cluster_known_nodes"]) != masters:
                        return False
            return True

        _wait(ready, "the cluster to agree on its slots")
    except BaseException:
        for node in nodes:
            stop_pid(node.pid)
        raise
    return RedisClusterGroup(tuple(nodes))


def start_sentinel_group(base: Path, replicas: int = 1, sentinels: int = 3) -> SentinelGroup:
    """Start a master, ``replicas`` replicas of it and ``sentinels`` sentinels (quorum 2).

    Failure detection is fast (1 s down-after, 5 s failover timeout) so tests can fail over.
    """
    servers: list[RedisProcess] = []
    watchers: list[RedisProcess] = []
    try:
        master = _server(base / "master")
        servers.append(master)
        for i in range(replicas):
            servers.append(_server(base / f"replica{i}", "--replicaof", HOST, str(master.port)))

        def replicated() -> bool:
            with redis.Redis(HOST, master.port) as client:
                return int(client.info("replication")["connected_slaves"]) == replicas

        _wait(replicated, "the replicas to connect")
        for i in range(sentinels):
            home = base / f"sentinel{i}"
            home.mkdir(parents=True, exist_ok=True)
            port = free_port(HOST)
            conf = home / "sentinel.conf"
            conf.write_text(
                f"port {port}\nbind {HOST}\ndir {home}\nlogfile {home / 'sentinel.log'}\n"
                f"sentinel monitor {SENTINEL_SERVICE} {HOST} {master.port} 2\n"
                f"sentinel down-after-milliseconds {SENTINEL_SERVICE} 1000\n"
                f"sentinel failover-timeout {SENTINEL_SERVICE} 5000\n"
                f"sentinel parallel-syncs {SENTINEL_SERVICE} 1\n"
            )
            args = [str(find_redis_server()), str(conf), "--sentinel"]
            watchers.append(_spawn(args, port, home / "sentinel.log"))

        def watched() -> bool:
            for s in watchers:
                with redis.Redis(HOST, s.port) as client:
                    state = client.sentinel_master(SENTINEL_SERVICE)
                    if int(state["num-other-sentinels"]) != sentinels - 1:
                        return False
                    if int(state["num-slaves"]) != replicas:
                        return False
            return True

        _wait(watched, "the sentinels to discover each other and the replicas")
    except BaseException:
        for proc in (*watchers, *servers):
            stop_pid(proc.pid)
        raise
    return SentinelGroup(tuple(servers), tuple(watchers))
