"""One reused HTTP client per event loop for the engine's activities.

Creating an ``httpx.AsyncClient`` per call builds a new SSL context and connection pool each
time: about 70 ms of CPU per http task in the benchmark profile (docs/performance.md).
Per-request settings (timeout, redirects) are passed on each request instead.
"""

from __future__ import annotations

import asyncio

import httpx

_CLIENTS: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}


def shared_client() -> httpx.AsyncClient:
    """Return the client of the running event loop, creating it on first use."""
    loop = asyncio.get_running_loop()
    client = _CLIENTS.get(loop)
    if client is None or client.is_closed:
        for other in [known for known in _CLIENTS if known.is_closed()]:
            del _CLIENTS[other]
        client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50)
        )
        _CLIENTS[loop] = client
    return client
