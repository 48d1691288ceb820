"""Redis client construction from ``REDIS_URL``: :mod:`stigmer_protos.redis_connection`.

The code lives in stigmer_protos because the payload storage of both services builds its Redis
client from the same URLs (``redis+cluster://``, ``redis+sentinel://``).
"""

from __future__ import annotations

from stigmer_protos.redis_connection import (
    ClusterSettings,
    SentinelSettings,
    connect,
    parse_cluster_url,
    parse_sentinel_url,
)

__all__ = [
    "ClusterSettings",
    "SentinelSettings",
    "connect",
    "parse_cluster_url",
    "parse_sentinel_url",
]
