"""JSON-lines exporters: one JSON object per finished span, one per metrics export.

For tests and debugging (``STIGMER_OTEL_SPANS_FILE``, ``STIGMER_OTEL_METRICS_FILE``): several
processes may append to one file, each line is written whole with a single ``write``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult


def span_to_dict(span: ReadableSpan) -> dict[str, Any]:
    """The JSON form of a finished span written by :class:`JsonLinesSpanExporter`.

    Ids are lowercase hex (32 digits for trace ids, 16 for span ids), as in W3C traceparent.
    """
    ctx = span.get_span_context()
    parent = span.parent
    return {
        "name": span.name,
        "trace_id": format(ctx.trace_id, "032x") if ctx else "",
        "span_id": format(ctx.span_id, "016x") if ctx else "",
        "parent_span_id": format(parent.span_id, "016x") if parent else None,
        "kind": span.kind.name,
        "start_time_ns": span.start_time,
        "end_time_ns": span.end_time,
        "status": span.status.status_code.name,
        "status_description": span.status.description,
        "service": span.resource.attributes.get("service.name"),
        "attributes": dict(span.attributes or {}),
        "events": [
            {"name": event.name, "attributes": dict(event.attributes or {})}
            for event in span.events
        ],
        "links": [
            {
                "trace_id": format(link.context.trace_id, "032x"),
                "span_id": format(link.context.span_id, "016x"),
            }
            for link in span.links
        ],
    }


class _Appender:
    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._file: TextIO | None = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def write(self, lines: Sequence[str]) -> bool:
        with self._lock:
            if self._file is None:
                return False
            self._file.write("".join(line + "\n" for line in lines))
            self._file.flush()
            return True

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class JsonLinesSpanExporter(SpanExporter):
    """Appends each finished span to a file as one JSON line (see :func:`span_to_dict`)."""

    def __init__(self, path: str) -> None:
        """Open ``path`` for appending (parent directories are created)."""
        self._out = _Appender(path)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Write ``spans``."""
        lines = [json.dumps(span_to_dict(s), default=str) for s in spans]
        return SpanExportResult.SUCCESS if self._out.write(lines) else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        """Close the file; later exports fail."""
        self._out.close()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Every export is already flushed."""
        return True


class JsonLinesMetricExporter(MetricExporter):
    """Appends each metrics export (OTLP-JSON-like ``MetricsData.to_json``) as one line."""

    def __init__(self, path: str) -> None:
        """Open ``path`` for appending (parent directories are created)."""
        super().__init__()
        self._out = _Appender(path)

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        """Write one export."""
        line = json.dumps(json.loads(metrics_data.to_json(indent=None)))
        return MetricExportResult.SUCCESS if self._out.write([line]) else MetricExportResult.FAILURE

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        """Every export is already flushed."""
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        """Close the file."""
        self._out.close()
