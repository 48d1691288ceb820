"""Redis client construction from ``REDIS_URL`` (``redis://``, ``rediss://``, ``redis+sentinel://``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import redis.asyncio as aioredis
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
    netloc = parts.netloc
    username = password = None
    if "@" in netloc:
        creds, netloc = netloc.rsplit("@", 1)
        user, _, pwd = creds.partition(":")
        username = unquote(user) or None
        password = unquote(pwd) or None
    hosts: list[tuple[str, int]] = []
    for item in netloc.split(","):
        host, _, port = item.rpartition(":") if ":" in item else (item, "", "26379")
        if not host:
            raise ValueError(f"bad sentinel host: {item!r}")
        hosts.append((host, int(port)))
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


def connect(url: str, *, max_connections: int) -> aioredis.Redis:
    """Create an asyncio Redis client speaking RESP3 (``protocol=3``).

    Args:
        url: ``redis://``, ``rediss://`` (TLS; ``ssl_cert_reqs`` etc. as query params) or
            ``redis+sentinel://`` (see :class:`SentinelSettings`).
        max_connections: Pool size.
    """
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
