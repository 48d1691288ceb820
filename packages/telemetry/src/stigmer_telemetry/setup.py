"""Process-wide OpenTelemetry set-up: providers, exporters and library instrumentation."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased

from stigmer_telemetry.config import TelemetryConfig
from stigmer_telemetry.jsonl import JsonLinesMetricExporter, JsonLinesSpanExporter

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_configured: Telemetry | None = None


@dataclass(frozen=True)
class Telemetry:
    """The providers installed for this process.

    Attributes:
        config: What was configured.
        tracer_provider: The SDK tracer provider (None when ``OTEL_SDK_DISABLED``).
        meter_provider: The SDK meter provider (None when ``OTEL_SDK_DISABLED``).
    """

    config: TelemetryConfig
    tracer_provider: TracerProvider | None
    meter_provider: MeterProvider | None

    def shutdown(self) -> None:
        """Flush and stop the exporters (also done at interpreter exit)."""
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()
        if self.meter_provider is not None:
            self.meter_provider.shutdown()


def configure_telemetry(
    service_name: str,
    *,
    redis: bool = False,
    env: Mapping[str, str] | None = None,
) -> Telemetry:
    """Install the OTel SDK and instrument grpc.aio (server and client) and, optionally, Redis.

    Call it first in ``main()``: servers, channels and Redis clients created before it are
    not instrumented. Later calls return the first result unchanged.

    The tracer provider is installed even when nothing is exported, so trace ids still
    propagate between services and appear in log lines; it then records only spans whose
    caller's trace is sampled (sampler ``parentbased_always_off``) unless
    ``OTEL_TRACES_SAMPLER`` says otherwise.

    Args:
        service_name: ``service.name`` unless ``OTEL_SERVICE_NAME`` or
            ``OTEL_RESOURCE_ATTRIBUTES`` sets one.
        redis: Instrument redis-py (sync and asyncio clients).
        env: Variables to read; ``os.environ`` when omitted (the SDK's own variables are
            always read from ``os.environ``).

    Raises:
        TelemetryConfigError: An exporter setting is invalid.
    """
    global _configured
    with _lock:
        if _configured is not None:
            return _configured
        config = TelemetryConfig.from_env(env)
        if config.disabled:
            _configured = Telemetry(config, None, None)
            return _configured
        resource = _resource(service_name)
        tracer_provider = _tracer_provider(config, resource)
        meter_provider = MeterProvider(resource=resource, metric_readers=_metric_readers(config))
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)
        _instrument(redis=redis)
        _configured = Telemetry(config, tracer_provider, meter_provider)
        _log.debug(
            "telemetry configured",
            extra={
                "traces_exporters": config.traces_exporters,
                "metrics_exporters": config.metrics_exporters,
            },
        )
        return _configured


def _resource(service_name: str) -> Resource:
    detected = Resource.create()
    name = str(detected.attributes.get(SERVICE_NAME, ""))
    if not name or name.startswith("unknown_service"):
        return detected.merge(Resource({SERVICE_NAME: service_name}))
    return detected


def _tracer_provider(config: TelemetryConfig, resource: Resource) -> TracerProvider:
    # sampler=None: the SDK reads OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG. A process
    # that exports no span starts no sampled trace (ADR 0043): recording spans only to drop
    # them cost a quarter of the server's CPU per status update. Spans are still created,
    # non-recording, so trace ids are made, propagated and written in log lines; a caller's
    # sampled trace is still followed, so services downstream that export keep their part.
    quiet = not config.exports_traces and not config.sampler_set
    sampler = ParentBased(root=ALWAYS_OFF) if quiet else None
    provider = TracerProvider(resource=resource, sampler=sampler)
    if "otlp" in config.traces_exporters:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if "console" in config.traces_exporters:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    if config.spans_file:
        # Synchronous on purpose: a test reads the file right after the call that ended.
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(config.spans_file)))
    return provider


def _metric_readers(config: TelemetryConfig) -> list[MetricReader]:
    interval = config.metric_export_interval_ms
    readers: list[MetricReader] = []
    if "otlp" in config.metrics_exporters:
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(), interval))
    if "console" in config.metrics_exporters:
        readers.append(PeriodicExportingMetricReader(ConsoleMetricExporter(), interval))
    if config.metrics_file:
        readers.append(
            PeriodicExportingMetricReader(JsonLinesMetricExporter(config.metrics_file), interval)
        )
    return readers


def _instrument(*, redis: bool) -> None:
    # Only grpc.aio is instrumented: the OTLP exporter talks over a *sync* grpcio channel, and
    # tracing it would trace the export of its own spans.
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, filters

    from stigmer_telemetry.grpc_server import GrpcAioServerTracing

    # Not the instrumentation's own server interceptor: its streaming spans log ERRORs when a
    # stream ends early (see grpc_server).
    server = GrpcAioServerTracing(filters.negate(filters.health_check()))
    server.instrument()
    GrpcAioInstrumentorClient().instrument()  # type: ignore[no-untyped-call]
    if redis:
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        RedisInstrumentor().instrument()
