"""Redis client construction from ``REDIS_URL``, for the store and the payload storage alike.

``redis://`` / ``rediss://`` (one server), ``redis+sentinel://`` / ``rediss+sentinel://`` (the
master a Sentinel group names) and ``redis+cluster://`` / ``rediss+cluster://`` (Redis Cluster).
On a Cluster, every multi-key command and transaction of the store touches keys of one kind,
which share one hash tag (stigmer-server's ``store/keys.py``) and so one slot; the payload
driver's pipelines are not transactions, so their keys may be on any node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast
from urllib.parse import parse_qs, unquote, urlsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel


@dataclass(frozen=True)
class SentinelSettings:
    """A parsed ``redis+sentinel://`` / ``rediss+sentinel://`` URL.

    Format: ``redis+sentinel://[[user]:password@]host1:port1[,host2:port2...]/<service>[/<db>]``
    The password authenticates to the master/replicas; ``?sentinel_password=`` to the sentinels.
    """

    hosts: tuple[tuple[str, int], ...]
    service_name: str
    db: int
    username: str | None
    password: str | None
    sentinel_password: str | None
    ssl: bool


def parse_sentinel_url(url: str) -> SentinelSettings:
    """Parse a Sentinel URL.

    Raises:
        ValueError: The URL is not a Sentinel URL or lacks hosts/service name.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis+sentinel", "rediss+sentinel"):
        raise ValueError(f"not a sentinel URL: {parts.scheme}")
    username, password, hosts = _hosts(parts.netloc, "26379")
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise ValueError("sentinel URL needs a service name: redis+sentinel://h:p/<service>")
    db = int(path[1]) if len(path) > 1 else 0
    query = parse_qs(parts.query)
    return SentinelSettings(
        hosts=tuple(hosts),
        service_name=path[0],
        db=db,
        username=username,
        password=password,
        sentinel_password=query.get("sentinel_password", [None])[0],
        ssl=parts.scheme == "rediss+sentinel",
    )


@dataclass(frozen=True)
class ClusterSettings:
    """A parsed ``redis+cluster://`` / ``rediss+cluster://`` URL.

    Format: ``redis+cluster://[[user]:password@]host1:port1[,host2:port2...]`` (startup nodes;
    the client discovers the others). No database number: a Cluster has only db 0.
    """

    hosts: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    ssl: bool


def _hosts(netloc: str, default_port: str) -> tuple[str | None, str | None, list[tuple[str, int]]]:
    username = password = None
    if "@" in netloc:
        creds, netloc = netloc.rsplit("@", 1)
        user, _, pwd = creds.partition(":")
        username = unquote(user) or None
        password = unquote(pwd) or None
    hosts: list[tuple[str, int]] = []
    for item in netloc.split(","):
        host, _, port = item.rpartition(":") if ":" in item else (item, "", default_port)
        if not host:
            raise ValueError(f"bad host: {item!r}")
        hosts.append((host, int(port)))
    return username, password, hosts


def parse_cluster_url(url: str) -> ClusterSettings:
    """Parse a Cluster URL.

    Raises:
        ValueError: Not a Cluster URL, no host, or a database other than 0.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis+cluster", "rediss+cluster"):
        raise ValueError(f"not a cluster URL: {parts.scheme}")
    username, password, hosts = _hosts(parts.netloc, "6379")
    if parts.path.strip("/") not in ("", "0"):
        raise ValueError("a Redis Cluster has only database 0")
    return ClusterSettings(
        hosts=tuple(hosts),
        username=username,
        password=password,
        ssl=parts.scheme == "rediss+cluster",
    )


def connect(url: str, *, max_connections: int) -> aioredis.Redis:
    """Create an asyncio Redis client speaking RESP3 (``protocol=3``).

    Args:
        url: ``redis://``, ``rediss://`` (TLS; ``ssl_cert_reqs`` etc. as query params) or
            ``redis+sentinel://`` (see :class:`SentinelSettings`) or ``redis+cluster://``
            (see :class:`ClusterSettings`; the client is a ``RedisCluster``, typed as the
            ``Redis`` commands the store uses).
        max_connections: Pool size (per node on a Cluster).
    """
    if "+cluster://" in url:
        c = parse_cluster_url(url)
        cluster = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in c.hosts],
            protocol=3,
            username=c.username,
            password=c.password,
            ssl=c.ssl,
            max_connections=max_connections,
        )
        return cast(aioredis.Redis, cluster)
    if "+sentinel://" in url:
        s = parse_sentinel_url(url)
        sentinel = Sentinel(  # type: ignore[no-untyped-call]
            list(s.hosts),
            sentinel_kwargs={"password": s.sentinel_password, "protocol": 3},
            protocol=3,
            username=s.username,
            password=s.password,
            ssl=s.ssl,
            max_connections=max_connections,
        )
        master: aioredis.Redis = sentinel.master_for(s.service_name, db=s.db)
        return master
    return aioredis.from_url(url, protocol=3, max_connections=max_connections)
