"""Tracing of grpc.aio server calls whose streaming spans never hold a context across yields.

The instrumentation's own streaming interceptor keeps its span (and the caller's extracted
context) *attached* while the handler's async generator is suspended at ``yield``. When a call
ends abnormally (client cancel racing the last message, a failed write), grpc.aio stops
iterating without closing the generator; the garbage collector's ``aclose()`` then runs the
generator's ``finally`` in another task, and ``detach`` fails with "Failed to detach
context ... was created in a different Context", logged at ERROR. Here the span's context is
attached only around each ``__anext__`` of the handler, inside one task, and the span itself is
ended without touching context, wherever the generator is closed. Unary calls keep the
instrumentation's interceptor unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorServer, aio_server_interceptor
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, Status, StatusCode

_Filter = Callable[[Any], bool]


class TracingServerInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """SERVER spans for every grpc.aio call; server-streaming ones traced without leaks.

    Args:
        filter_: Calls to trace (``opentelemetry.instrumentation.grpc.filters``), all if None.
        tracer_provider: Where spans go; the global provider when None.
    """

    def __init__(
        self,
        filter_: _Filter | None = None,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        self._filter = filter_
        self._unary = aio_server_interceptor(  # type: ignore[no-untyped-call]
            tracer_provider=tracer_provider, filter_=filter_
        )
        self._tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: Any
    ) -> Any:
        """Return the next handler, wrapped in a span."""
        handler = await continuation(handler_call_details)
        if handler is None or not handler.response_streaming or handler.request_streaming:

            async def resolved(_: Any) -> Any:
                return handler

            return await self._unary.intercept_service(resolved, handler_call_details)
        if not is_instrumentation_enabled() or (
            self._filter is not None and not self._filter(handler_call_details)
        ):
            return handler
        return grpc.unary_stream_rpc_method_handler(
            self._traced_stream(handler_call_details.method, handler.unary_stream),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _traced_stream(
        self, method: str, behavior: Callable[[Any, Any], AsyncIterator[Any]]
    ) -> Callable[[Any, Any], AsyncIterator[Any]]:
        tracer = self._tracer

        async def stream(request: Any, context: Any) -> AsyncIterator[Any]:
            metadata = {md.key: md.value for md in context.invocation_metadata() or ()}
            parent = propagate.extract(metadata)
            span = tracer.start_span(
                method, parent, kind=SpanKind.SERVER, attributes=_attributes(method, context)
            )
            current = trace.set_span_in_context(span, parent)
            responses = behavior(request, context)
            try:
                while True:
                    token = otel_context.attach(current)
                    try:
                        response = await anext(responses)
                    except StopAsyncIteration:
                        break
                    finally:
                        otel_context.detach(token)
                    yield response
                span.set_attribute("rpc.grpc.status_code", grpc.StatusCode.OK.value[0])
            except grpc.aio.AbortError:
                _set_code(span, context.code() or grpc.StatusCode.UNKNOWN, context.details())
                raise
            except asyncio.CancelledError:
                _set_code(span, grpc.StatusCode.CANCELLED, "")
                raise
            except Exception as exc:
                span.record_exception(exc)
                _set_code(span, grpc.StatusCode.UNKNOWN, f"{type(exc).__name__}: {exc}")
                raise
            finally:
                # Closed early (cancel, failed write): close the handler here rather than leave
                # it to the garbage collector, so its own clean-up runs now.
                await responses.aclose()  # type: ignore[attr-defined]
                span.end()

        return stream


def _set_code(span: trace.Span, code: grpc.StatusCode, details: str | None) -> None:
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code != grpc.StatusCode.OK:
        span.set_status(Status(StatusCode.ERROR, f"{code.name}: {details or ''}".rstrip(": ")))


def _attributes(method: str, context: Any) -> dict[str, str | int]:
    service, _, name = method.lstrip("/").partition("/")
    attributes: dict[str, str | int] = {
        "rpc.system": "grpc",
        "rpc.service": service,
        "rpc.method": name,
    }
    peer = str(context.peer() or "")
    if peer.startswith(("ipv4:", "ipv6:")):
        host, _, port = peer.split(",")[0].split(":", 1)[1].rpartition(":")
        attributes.update({"net.peer.ip": host, "net.peer.port": port})
    return attributes


class GrpcAioServerTracing(GrpcAioInstrumentorServer):
    """Like ``GrpcAioInstrumentorServer``, with :class:`TracingServerInterceptor` first.

    Args:
        filter_: Calls to trace, all if None (``OTEL_PYTHON_GRPC_EXCLUDED_SERVICES`` applies).
    """

    def __init__(self, filter_: _Filter | None = None) -> None:
        super().__init__(filter_)  # type: ignore[no-untyped-call]

    def _instrument(self, **kwargs: Any) -> None:
        self._original_func = original = grpc.aio.server
        interceptor_filter = self._filter
        provider = kwargs.get("tracer_provider")

        def server(*args: Any, **kwargs: Any) -> Any:
            interceptors = list(kwargs.get("interceptors") or ())
            interceptors.insert(0, TracingServerInterceptor(interceptor_filter, provider))
            kwargs["interceptors"] = interceptors
            return original(*args, **kwargs)

        grpc.aio.server = server
