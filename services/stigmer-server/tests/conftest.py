"""Fixtures: a real server on loopback port 0 over the real Redis, one key prefix per test."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest_asyncio
from stigmer_server.config import Config
from stigmer_server.server import RunningServer, build_server
from stigmer_server.store.connection import connect
from stigmer_server.workflowexecution.launcher import ExecutionLauncher

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from ss_helpers import Stubs, stubs_for


@dataclass
class Api:
    """A running server plus clients, and its key prefix."""

    server: RunningServer
    stubs: Stubs
    prefix: str
    redis_url: str

    async def snapshot(self) -> dict[str, Any]:
        """Every key under the prefix with its full content (to assert "nothing changed")."""
        return await dump_keys(self.redis_url, self.prefix)


async def dump_keys(redis_url: str, prefix: str) -> dict[str, Any]:
    """Read every key of ``prefix`` with its content (the event router's stream only when it
    holds events)."""
    client = connect(redis_url, max_connections=4)
    out: dict[str, Any] = {}
    try:
        async for key in client.scan_iter(match=f"{{{prefix}:*"):
            kind = (await client.type(key)).decode()
            if kind == "hash":
                out[key] = await client.hgetall(key)
            elif kind == "zset":
                out[key] = await client.zrange(key, 0, -1)
            elif kind == "string":
                out[key] = await client.get(key)
            elif kind == "stream":
                entries = await client.xrange(key)
                # The event router creates its (empty) stream when the server starts.
                if entries or not key.endswith(b":ev}:in"):
                    out[key] = entries
    finally:
        await client.aclose()
    return out


ApiFactory = Callable[..., Awaitable[Api]]


@pytest_asyncio.fixture
async def make_api(redis_url: str) -> AsyncIterator[ApiFactory]:
    """Factory of servers (optionally with a launcher); all stopped at teardown."""
    started: list[Api] = []

    async def make(
        launcher: ExecutionLauncher | None = None, prefix: str | None = None, **overrides: Any
    ) -> Api:
        prefix = prefix or f"t{uuid.uuid4().hex}"
        settings: dict[str, Any] = {"redis_url": redis_url, **overrides}
        config = Config(
            grpc_host="127.0.0.1",
            grpc_port=0,
            redis_key_prefix=prefix,
            subscribe_block_ms=200,
            **settings,
        )
        server = await build_server(config, launcher=launcher)
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
        api = Api(server, stubs_for(channel), prefix, redis_url)
        started.append(api)
        return api

    yield make
    for api in started:
        await api.stubs.channel.close()
        await api.server.stop(0)


@pytest_asyncio.fixture
async def api(make_api: ApiFactory) -> Api:
    """A server in API-only mode (no launcher)."""
    return await make_api()
