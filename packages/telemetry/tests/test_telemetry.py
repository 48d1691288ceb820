"""Unit tests of stigmer_telemetry (process-global set-up is tested in a subprocess)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from opentelemetry import baggage
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from stigmer_telemetry import (
    EXECUTION_ID_BAGGAGE_KEY,
    TelemetryConfig,
    TelemetryConfigError,
    TraceContextFilter,
    current_execution_id,
    execution_context,
    execution_id_after,
    phase_label,
)
from stigmer_telemetry.jsonl import JsonLinesSpanExporter
from stigmer_telemetry.metrics import duration_seconds


def test_nothing_is_exported_by_default() -> None:
    config = TelemetryConfig.from_env({})
    assert config.traces_exporters == () and config.metrics_exporters == ()
    assert config.spans_file is None and not config.disabled


def test_an_otlp_endpoint_turns_otlp_on() -> None:
    config = TelemetryConfig.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4317"})
    assert config.traces_exporters == ("otlp",) and config.metrics_exporters == ("otlp",)


def test_explicit_exporters_win() -> None:
    config = TelemetryConfig.from_env(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4317",
            "OTEL_TRACES_EXPORTER": "console, otlp",
            "OTEL_METRICS_EXPORTER": "none",
            "STIGMER_OTEL_SPANS_FILE": "/tmp/s.jsonl",
            "OTEL_SDK_DISABLED": "true",
        }
    )
    assert config.traces_exporters == ("console", "otlp")
    assert config.metrics_exporters == ()
    assert config.spans_file == "/tmp/s.jsonl" and config.disabled


@pytest.mark.parametrize(
    "env",
    [{"OTEL_TRACES_EXPORTER": "zipkin"}, {"OTEL_METRIC_EXPORT_INTERVAL": "soon"}],
)
def test_bad_settings_are_named(env: dict[str, str]) -> None:
    with pytest.raises(TelemetryConfigError, match=next(iter(env))):
        TelemetryConfig.from_env(env)


def test_jsonl_exporter_writes_one_object_per_span(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(str(path))))
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("outer"), tracer.start_as_current_span("inner") as inner:
        inner.set_attribute("k", "v")
    provider.shutdown()
    inner_row, outer_row = (json.loads(line) for line in path.read_text().splitlines())
    assert (inner_row["name"], outer_row["name"]) == ("inner", "outer")
    assert inner_row["parent_span_id"] == outer_row["span_id"]
    assert outer_row["parent_span_id"] is None
    assert inner_row["trace_id"] == outer_row["trace_id"] and len(inner_row["trace_id"]) == 32
    assert inner_row["attributes"] == {"k": "v"}


def _record() -> logging.LogRecord:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    TraceContextFilter().filter(record)
    return record


def test_log_filter_adds_ids_of_the_current_span_and_execution() -> None:
    assert (_record().trace_id, _record().execution_id) == ("", "")  # type: ignore[attr-defined]
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    with provider.get_tracer("t").start_as_current_span("s") as span, execution_context("wex-1"):
        record = _record()
        assert record.trace_id == format(span.get_span_context().trace_id, "032x")  # type: ignore[attr-defined]
        assert record.span_id == format(span.get_span_context().span_id, "016x")  # type: ignore[attr-defined]
        assert record.execution_id == "wex-1"  # type: ignore[attr-defined]
        assert baggage.get_baggage(EXECUTION_ID_BAGGAGE_KEY) == "wex-1"
    assert current_execution_id() == ""


def test_execution_id_is_read_from_baggage_of_another_service() -> None:
    from opentelemetry import context

    token = context.attach(baggage.set_baggage(EXECUTION_ID_BAGGAGE_KEY, "wex-2"))
    try:
        assert current_execution_id() == "wex-2"
    finally:
        context.detach(token)


def test_helpers() -> None:
    of = execution_id_after("workflow-exec-")
    assert of("workflow-exec-wex-3") == "wex-3" and of("other") is None
    assert phase_label("EXECUTION_COMPLETED") == "completed"
    assert phase_label("EXECUTION_PHASE_UNSPECIFIED") == "unchanged"
    assert duration_seconds("2026-01-01T00:00:00Z", "2026-01-01T00:00:02.5Z") == 2.5
    assert duration_seconds("", "2026-01-01T00:00:00Z") is None


def test_configure_telemetry_installs_sdk_and_instrumentation(tmp_path: Path) -> None:
    spans = tmp_path / "spans.jsonl"
    script = textwrap.dedent(
        """
        import grpc
        from opentelemetry import trace
        from stigmer_telemetry import configure_telemetry
        t = configure_telemetry("svc-x", redis=True)
        assert configure_telemetry("other") is t
        with trace.get_tracer("t").start_as_current_span("hello"):
            pass
        server = grpc.aio.server()
        assert grpc.aio.server.__name__ == "server"  # replaced by the instrumentation
        import redis
        assert hasattr(redis.Redis.execute_command, "__wrapped__")
        """
    )
    env = {
        "STIGMER_OTEL_SPANS_FILE": str(spans),
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test",
    }
    proc = subprocess.run(
        [sys.executable, "-c", script], env={**_base_env(), **env}, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = [json.loads(line) for line in spans.read_text().splitlines()]
    assert row["name"] == "hello" and row["service"] == "svc-x"


def test_otel_service_name_wins(tmp_path: Path) -> None:
    spans = tmp_path / "spans.jsonl"
    script = (
        "from opentelemetry import trace\n"
        "from stigmer_telemetry import configure_telemetry\n"
        "configure_telemetry('svc-x')\n"
        "trace.get_tracer('t').start_span('s').end()\n"
    )
    env = {"STIGMER_OTEL_SPANS_FILE": str(spans), "OTEL_SERVICE_NAME": "renamed"}
    proc = subprocess.run(
        [sys.executable, "-c", script], env={**_base_env(), **env}, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(spans.read_text())["service"] == "renamed"


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}


def test_nothing_exported_records_no_span_but_keeps_trace_ids() -> None:
    """ADR 0043: without an exporter, a trace started here is not recorded (no per-span
    cost), yet its spans have valid ids that propagate; a caller's sampled trace is followed."""
    script = textwrap.dedent(
        """
        from opentelemetry import trace
        from opentelemetry.propagate import extract, inject
        from stigmer_telemetry import configure_telemetry
        configure_telemetry("svc-x", redis=True)
        tracer = trace.get_tracer("t")
        with tracer.start_as_current_span("root") as span:
            context = span.get_span_context()
            carrier = {}
            inject(carrier)
            print(span.is_recording(), context.is_valid, carrier["traceparent"].split("-")[1]
                  == format(context.trace_id, "032x"))
        sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        with tracer.start_as_current_span("s", context=extract({"traceparent": sampled})) as s:
            print(s.is_recording(), format(s.get_span_context().trace_id, "032x"))
        """
    )
    quiet = subprocess.run(
        [sys.executable, "-c", script], env=_base_env(), capture_output=True, text=True
    )
    assert quiet.returncode == 0, quiet.stderr
    followed = ["True", "0af7651916cd43dd8448eb211c80319c"]
    assert quiet.stdout.split() == ["False", "True", "True", *followed]

    chosen = subprocess.run(
        [sys.executable, "-c", script],
        env={**_base_env(), "OTEL_TRACES_SAMPLER": "always_on"},
        capture_output=True,
        text=True,
    )
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.split() == ["True", "True", "True", *followed]


def test_exporting_is_read_off_the_config() -> None:
    assert not TelemetryConfig.from_env({}).exports_traces
    assert TelemetryConfig.from_env({"STIGMER_OTEL_SPANS_FILE": "/tmp/s"}).exports_traces
    assert TelemetryConfig.from_env({"OTEL_TRACES_EXPORTER": "console"}).exports_traces
    assert not TelemetryConfig.from_env({"OTEL_TRACES_EXPORTER": "none"}).exports_traces
    assert TelemetryConfig.from_env({"OTEL_TRACES_SAMPLER": "always_on"}).sampler_set
