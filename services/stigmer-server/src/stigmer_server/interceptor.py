"""Server interceptor: maps handler errors to gRPC statuses and logs one line per RPC."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from stigmer_server.encoded import Encoded
from stigmer_server.errors import InvalidArgumentError
from stigmer_server.grpc_errors import to_status
from stigmer_server.offload import INLINE_BYTES
from stigmer_server.request_bounds import descriptor_of, wire_problem

_log = logging.getLogger("stigmer_server.rpc")


def _log_rpc(method: str, code: Any, started: float, details: str = "") -> None:
    level = (
        logging.INFO
        if code in (grpc.StatusCode.OK, grpc.StatusCode.CANCELLED)
        else (logging.ERROR if code == grpc.StatusCode.INTERNAL else logging.WARNING)
    )
    _log.log(
        level,
        "rpc",
        extra={
            "method": method,
            "code": code.name,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            **({"details": details} if details else {}),
        },
    )


class RpcInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Wraps every unary, server-streaming and client-streaming handler."""

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any
    ) -> Any:
        """Return the handler for the call, wrapped with error mapping and logging."""
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method: str = handler_call_details.method
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                _unary(method, handler.unary_unary, handler.response_serializer),
                request_deserializer=_safe(handler.request_deserializer),
                response_serializer=_passing_encoded(handler.response_serializer),
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                _stream(method, handler.unary_stream),
                request_deserializer=_safe(handler.request_deserializer),
                response_serializer=_passing_encoded(handler.response_serializer),
            )
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(
                _client_stream(method, handler.stream_unary),
                request_deserializer=_safe(handler.request_deserializer),
                response_serializer=_passing_encoded(handler.response_serializer),
            )
        return handler


@dataclass(frozen=True)
class _Undecodable:
    """Stands in for a request the message parser rejected (e.g. nesting too deep)."""

    reason: str


@dataclass(frozen=True)
class _Deferred:
    """A large request, decoded by the handler in a worker thread."""

    decode: Callable[[], Any]


def _passing_encoded(serializer: Callable[[Any], bytes] | None) -> Callable[[Any], bytes] | None:
    if serializer is None:
        return None

    def serialize(response: Any) -> bytes:
        return response.data if isinstance(response, Encoded) else serializer(response)

    return serialize


def _safe(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """Wrap a request deserializer: bounds checked on the wire bytes first (see
    :mod:`stigmer_server.request_bounds`), large requests deferred to a thread, and a malformed
    or refused request turned into INVALID_ARGUMENT, not UNKNOWN."""
    if deserializer is None:
        return None
    descriptor = descriptor_of(deserializer)

    def parse(data: bytes) -> Any:
        problem = None if descriptor is None else wire_problem(data, descriptor)
        if problem is not None:
            return _Undecodable(problem)
        try:
            return deserializer(data)
        except RecursionError:
            return _Undecodable("request nests messages too deeply")
        except Exception as exc:
            return _Undecodable(f"request could not be decoded: {exc}")

    def dispatch(data: bytes) -> Any:
        if len(data) > INLINE_BYTES:
            return _Deferred(lambda: parse(data))
        return parse(data)

    return dispatch


async def _decoded(request: Any) -> Any:
    """The request itself, a large one decoded off the event loop; refused ones raise."""
    if isinstance(request, _Deferred):
        request = await asyncio.to_thread(request.decode)
    if isinstance(request, _Undecodable):
        raise InvalidArgumentError("request", request.reason)
    return request


@contextlib.asynccontextmanager
async def _handled(method: str, context: Any) -> AsyncIterator[None]:
    """Log the call's outcome once and turn domain errors into their gRPC status."""
    started = time.perf_counter()
    try:
        yield
    except (asyncio.CancelledError, GeneratorExit):
        # GeneratorExit: grpc.aio stopped reading a stream (the client went away mid-send).
        _log_rpc(method, grpc.StatusCode.CANCELLED, started)
        raise
    except grpc.aio.AbortError:
        _log_rpc(method, context.code() or grpc.StatusCode.UNKNOWN, started)
        raise
    except Exception as exc:
        code, details = to_status(exc)
        _log_rpc(method, code, started, details)
        if code == grpc.StatusCode.INTERNAL:
            _log.exception("unexpected error in %s", method)
        await context.abort(code, details)
    else:
        _log_rpc(method, grpc.StatusCode.OK, started)


def _unary(
    method: str,
    inner: Callable[[Any, Any], Awaitable[Any]],
    serializer: Callable[[Any], bytes] | None,
) -> Any:
    async def call(request: Any, context: Any) -> Any:
        async with _handled(method, context):
            large = isinstance(request, _Deferred)
            response = await inner(await _decoded(request), context)
            if large and serializer is not None and not isinstance(response, Encoded):
                # A large request's response (the resource it wrote) is large too.
                return Encoded(await asyncio.to_thread(serializer, response))
            return response

    return call


def _stream(method: str, inner: Callable[[Any, Any], AsyncIterator[Any]]) -> Any:
    async def call(request: Any, context: Any) -> AsyncIterator[Any]:
        async with _handled(method, context):
            async for item in inner(await _decoded(request), context):
                yield item

    return call


def _client_stream(method: str, inner: Callable[[Any, Any], Awaitable[Any]]) -> Any:
    async def call(requests: AsyncIterator[Any], context: Any) -> Any:
        async def decoded() -> AsyncIterator[Any]:
            async for request in requests:
                yield await _decoded(request)

        async with _handled(method, context):
            return await inner(decoded(), context)

    return call
