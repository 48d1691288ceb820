"""One reused HTTP client per event loop and network policy for the engine's activities.

Creating an ``httpx.AsyncClient`` per call builds a new SSL context and connection pool each
time: about 70 ms of CPU per http task in the benchmark profile (docs/performance.md).
Per-request settings (timeout, redirects) are passed on each request instead.

The clients of documents' calls connect through
:class:`~workflow_runner.engine.activities.egress.PolicyBackend` and ignore proxy/netrc
environment variables (the policy must see the real destination, and a document must not pick up
the worker's credentials). No client keeps cookies: it is shared by every execution on the
worker.
"""

from __future__ import annotations

import asyncio
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpcore
import httpx

from workflow_runner.engine.activities.egress import PolicyBackend
from workflow_runner.engine.network_policy import NetworkPolicy

_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50)
_CLIENTS: dict[tuple[asyncio.AbstractEventLoop, NetworkPolicy | None], httpx.AsyncClient] = {}


class PolicyTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that dials through :class:`PolicyBackend`."""

    def __init__(self, policy: NetworkPolicy) -> None:
        """Pool connections like httpx's default transport, checked against ``policy``."""
        super().__init__(limits=_LIMITS, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=_LIMITS.max_connections,
            max_keepalive_connections=_LIMITS.max_keepalive_connections,
            keepalive_expiry=_LIMITS.keepalive_expiry,
            network_backend=PolicyBackend(policy),
        )


def shared_client(policy: NetworkPolicy | None) -> httpx.AsyncClient:
    """Return the running loop's client for ``policy``, creating it on first use.

    ``None`` gives a client without the policy, only for destinations the operator configured
    (the ``emit`` sink); everything a document names goes through a policy.
    """
    loop = asyncio.get_running_loop()
    client = _CLIENTS.get((loop, policy))
    if client is None or client.is_closed:
        for other in [known for known in _CLIENTS if known[0].is_closed()]:
            del _CLIENTS[other]
        client = httpx.AsyncClient(
            transport=PolicyTransport(policy) if policy is not None else None,
            limits=_LIMITS,
            trust_env=policy is None,
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )
        _CLIENTS[(loop, policy)] = client
    return client
