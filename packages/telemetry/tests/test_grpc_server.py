"""TracingServerInterceptor on a real grpc.aio server on loopback, spans kept in memory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from stigmer_telemetry.grpc_server import TracingServerInterceptor

SERVICE = "test.Echo"


@dataclass
class Served:
    channel: grpc.aio.Channel
    memory: InMemorySpanExporter
    current: list[int]

    def spans(self, method: str) -> list[ReadableSpan]:
        return [s for s in self.memory.get_finished_spans() if s.name == f"/{SERVICE}/{method}"]

    async def ended(self, method: str) -> list[ReadableSpan]:
        """The spans of ``method`` once one has ended: the server ends a call's span after the
        client has its status, so the test waits for it (up to 5 s)."""
        for _ in range(100):
            if self.spans(method):
                break
            await asyncio.sleep(0.05)
        return self.spans(method)


@pytest.fixture
def memory() -> Iterator[InMemorySpanExporter]:
    yield InMemorySpanExporter()


@pytest.fixture
async def served(memory: InMemorySpanExporter) -> AsyncIterator[Served]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    current: list[int] = []
    forever = asyncio.Event()

    async def stream(request: bytes, context: Any) -> AsyncIterator[bytes]:
        for i in range(int(request.decode())):
            current.append(trace.get_current_span().get_span_context().span_id)
            yield str(i).encode()
        if request == b"1":
            await forever.wait()  # the client cancels
        await context.abort(grpc.StatusCode.NOT_FOUND, "no more")

    async def unary(request: bytes, context: Any) -> bytes:
        return request

    handlers = {
        "Stream": grpc.unary_stream_rpc_method_handler(stream),
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
    }
    server = grpc.aio.server(interceptors=[TracingServerInterceptor(tracer_provider=provider)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Served(channel, memory, current)
    finally:
        await server.stop(None)


async def test_stream_span_is_the_callers_child_and_current_in_the_handler(served: Served) -> None:
    client = TracerProvider().get_tracer("client")
    with client.start_as_current_span("caller") as caller:
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier)
    call = served.channel.unary_stream(f"/{SERVICE}/Stream")(b"2", metadata=tuple(carrier.items()))
    got = [item async for item in _until_abort(call)]
    assert got == [b"0", b"1"]
    (span,) = await served.ended("Stream")
    assert span.parent is not None
    assert span.parent.span_id == caller.get_span_context().span_id
    assert span.kind == trace.SpanKind.SERVER
    assert span.attributes is not None
    assert span.attributes["rpc.method"] == "Stream" and span.attributes["rpc.service"] == SERVICE
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]
    assert span.status.status_code == StatusCode.ERROR
    assert set(served.current) == {span.context.span_id}


async def test_cancelled_stream_ends_its_span_and_logs_no_error(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    call = served.channel.unary_stream(f"/{SERVICE}/Stream")(b"1")
    async for _ in call:
        call.cancel()
        break
    (span,) = await served.ended("Stream")
    assert span.attributes is not None
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.CANCELLED.value[0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_unary_calls_keep_the_instrumentations_span(served: Served) -> None:
    assert await served.channel.unary_unary(f"/{SERVICE}/Unary")(b"x") == b"x"
    (span,) = await served.ended("Unary")
    assert span.kind == trace.SpanKind.SERVER


async def _until_abort(call: Any) -> AsyncIterator[bytes]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for item in call:
            yield item
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
