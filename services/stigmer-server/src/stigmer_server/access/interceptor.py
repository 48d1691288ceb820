"""The access check of every call: the key's scope against the RPC table, then for a ``runner``
key the resource check.

It runs inside :class:`~stigmer_server.interceptor.RpcInterceptor` (which logs the outcome and
maps errors), so the resource check sees the decoded request. A call refused for its key or
scope never has its payload parsed: the refusing handler has no request deserializer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from stigmer_server.access.api_keys import Scope
from stigmer_server.access.gate import CallGate, refusing
from stigmer_server.access.key_source import ApiKeySource
from stigmer_server.access.rpc_scopes import RunnerRule, access_of
from stigmer_server.access.runner_guard import RunnerGuard

UNAUTHENTICATED_DETAILS = "missing or invalid API key"


class AccessInterceptor(CallGate):
    """UNAUTHENTICATED without a key in force, PERMISSION_DENIED outside the key's scope."""

    def __init__(self, keys: ApiKeySource, guard: RunnerGuard) -> None:
        """Identify callers with ``keys``; check runner calls with ``guard``."""
        self._keys = keys
        self._guard = guard

    async def admit(self, handler: Any, method: str, token: bytes | None) -> Any:
        """``handler``, checked first for a runner key, or one that refuses the call."""
        scope = self._keys.identify(token)
        if scope is None:
            return refusing(handler, grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_DETAILS)
        access = access_of(method)
        if scope not in access.scopes:
            return refusing(
                handler,
                grpc.StatusCode.PERMISSION_DENIED,
                f"a {scope.value!r} key may not call {method}",
            )
        if access.runner is not None and scope is Scope.RUNNER:
            return _checked(handler, self._guard, access.runner, method)
        return handler


def _checked(handler: Any, guard: RunnerGuard, rule: RunnerRule, method: str) -> Any:
    """``handler`` running ``guard``'s check of ``rule`` on the request first."""
    if handler.unary_unary is not None:
        inner = handler.unary_unary

        async def unary(request: Any, context: Any) -> Any:
            await guard.check(rule, method, request)
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream is not None:
        inner_stream = handler.unary_stream

        async def stream(request: Any, context: Any) -> AsyncIterator[Any]:
            await guard.check(rule, method, request)
            async for item in inner_stream(request, context):
                yield item

        return grpc.unary_stream_rpc_method_handler(
            stream,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    raise TypeError(f"{method}: only unary requests can be checked for a runner key")
