"""Bearer API-key authentication of gRPC calls."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import grpc

# Probes and tooling must work without a key: health checks (kubelet, compose) and reflection.
EXEMPT_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def load_api_keys(inline: str, file: str) -> tuple[bytes, ...]:
    """Read the accepted keys: comma-separated ``inline`` plus one key per line of ``file``.

    Raises:
        OSError: ``file`` is set but cannot be read.
    """
    keys = [k.strip() for k in inline.split(",")]
    if file:
        keys.extend(line.strip() for line in Path(file).read_text().splitlines())
    return tuple(k.encode() for k in keys if k and not k.startswith("#"))


def _presented_key(metadata: Iterable[tuple[str, Any]] | None) -> bytes | None:
    for key, value in metadata or ():
        if key == "authorization":
            text = value.decode() if isinstance(value, bytes) else str(value)
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip().encode()
    return None


def _accepted(presented: bytes | None, keys: tuple[bytes, ...]) -> bool:
    if presented is None:
        return False
    # Compare against every key, without stopping early, so timing reveals nothing.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(presented, key)
    return matched


class ApiKeyInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Rejects calls without a valid ``authorization: Bearer <key>`` with UNAUTHENTICATED."""

    def __init__(self, keys: tuple[bytes, ...]) -> None:
        """Accept any of ``keys`` (non-empty)."""
        if not keys:
            raise ValueError("ApiKeyInterceptor needs at least one key")
        self._keys = keys

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any
    ) -> Any:
        """Pass authenticated (and exempt) calls on; answer the rest UNAUTHENTICATED."""
        method: str = handler_call_details.method
        if method.startswith(EXEMPT_PREFIXES) or _accepted(
            _presented_key(handler_call_details.invocation_metadata), self._keys
        ):
            return await continuation(handler_call_details)
        return _deny(await continuation(handler_call_details))


def _deny(handler: Any) -> Any:
    if handler is None:
        return None

    async def unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid API key")

    async def stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid API key")
        yield  # pragma: no cover - makes this an async generator

    # No request deserializer: an unauthenticated payload is never parsed.
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            stream, response_serializer=handler.response_serializer
        )
    return grpc.unary_unary_rpc_method_handler(
        unary, response_serializer=handler.response_serializer
    )
