"""The CloudEvents HTTP endpoint: ``POST /events`` (ADR 0037).

Authenticated like the gRPC API (``authorization: Bearer <key>``, an ``admin`` or ``write`` key;
open only when the server runs without API keys), bounded by
:data:`~stigmer_protos.limits.MAX_EVENT_BODY_BYTES`. An event is stored durably before the
``202 Accepted`` answer; a repeat of an accepted (source, id) is answered 202 too and listed as
a duplicate, and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from stigmer_protos.limits import MAX_EVENT_BODY_BYTES

from stigmer_server.access.api_keys import Scope
from stigmer_server.access.key_source import ApiKeySource
from stigmer_server.events.envelope import EventFormatError, parse_request
from stigmer_server.events.publisher import accept_all
from stigmer_server.events.store import EventStore

_log = logging.getLogger(__name__)

PATH = "/events"
ALLOWED = frozenset({Scope.ADMIN, Scope.WRITE})
"""Key scopes that may post events (the scopes that may ``signal`` an execution)."""


class EventIngress:
    """The aiohttp application serving :data:`PATH`, started and stopped with the server."""

    def __init__(self, store: EventStore, keys: ApiKeySource | None) -> None:
        """Accept into ``store``; check keys against ``keys`` (``None``: no API keys in force)."""
        self._store = store
        self._keys = keys
        self._runner: web.AppRunner | None = None
        self.port = 0

    def app(self) -> web.Application:
        """The application (also used by tests through aiohttp's test client)."""
        app = web.Application(client_max_size=MAX_EVENT_BODY_BYTES)
        app.router.add_post(PATH, self.post)
        return app

    async def start(self, host: str, port: int) -> int:
        """Serve on ``host``:``port`` (0: a free port); return the bound port."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else port
        _log.info("events endpoint listening", extra={"port": self.port, "path": PATH})
        return self.port

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def _refusal(self, request: web.Request) -> web.Response | None:
        if self._keys is None:
            return None
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        scope = (
            self._keys.identify(key.strip().encode())
            if scheme.lower() == "bearer" and key.strip()
            else None
        )
        if scope is None:
            return _error(401, "a valid API key is required (authorization: Bearer <key>)")
        if scope not in ALLOWED:
            return _error(403, f"a {scope.value} key may not post events (admin or write)")
        return None

    async def post(self, request: web.Request) -> web.Response:
        """Accept one CloudEvent (binary or structured mode) or a batch of them."""
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"request body over {MAX_EVENT_BODY_BYTES} bytes")
        try:
            events = parse_request(dict(request.headers), body)
        except EventFormatError as exc:
            return _error(400, str(exc))
        try:
            accepted, duplicates = await accept_all(self._store, events)
        except Exception as exc:
            _log.warning("events not stored: %s", exc)
            return _error(503, "the event store is unavailable; retry")
        return web.json_response({"accepted": accepted, "duplicates": duplicates}, status=202)


def _error(status: int, message: str) -> web.Response:
    body: dict[str, Any] = {"error": message}
    return web.json_response(body, status=status)
