"""What every interceptor that may refuse a call shares: the exempt methods, the presented key
and a refusing handler that never parses the refused payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import grpc

from stigmer_server.access.rpc_scopes import EXEMPT_PREFIXES


def presented_key(metadata: Iterable[tuple[str, Any]] | None) -> bytes | None:
    """The token of an ``authorization: Bearer <token>`` entry, or ``None``."""
    for key, value in metadata or ():
        if key == "authorization":
            text = value.decode() if isinstance(value, bytes) else str(value)
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip().encode()
    return None


class CallGate(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """An interceptor that admits or refuses each non-exempt call given its presented key.

    Health and reflection (:data:`~stigmer_server.access.rpc_scopes.EXEMPT_PREFIXES`) and
    unknown methods pass untouched; subclasses decide the rest in :meth:`admit`.
    """

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any
    ) -> Any:
        """The handler of the call, or the one :meth:`admit` puts in its place."""
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(EXEMPT_PREFIXES):
            return handler
        token = presented_key(handler_call_details.invocation_metadata)
        return await self.admit(handler, method, token)

    async def admit(self, handler: Any, method: str, token: bytes | None) -> Any:
        """``handler`` to let the call through, or another (e.g. :func:`refusing`) in its place.

        Args:
            handler: The method's handler.
            method: The full method name, ``/package.Service/Method``.
            token: The presented bearer key, if any.
        """
        raise NotImplementedError


def refusing(
    handler: Any,
    code: grpc.StatusCode,
    details: str,
    trailing_metadata: tuple[tuple[str, str], ...] = (),
) -> Any:
    """A handler of ``handler``'s shape that ends the call with ``code`` and ``details``.

    It has no request deserializer: a refused payload is never parsed.
    """

    async def unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await context.abort(code, details, trailing_metadata)

    async def stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await context.abort(code, details, trailing_metadata)
        yield  # pragma: no cover - makes this an async generator

    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            stream, response_serializer=handler.response_serializer
        )
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(
            unary, response_serializer=handler.response_serializer
        )
    return grpc.unary_unary_rpc_method_handler(
        unary, response_serializer=handler.response_serializer
    )
