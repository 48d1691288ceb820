"""Telemetry configuration, read once from the standard ``OTEL_*`` variables (plus two of ours)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}
_EXPORTERS = {"otlp", "console", "none"}
_DEFAULT_METRIC_INTERVAL_MS = 60_000


class TelemetryConfigError(ValueError):
    """An ``OTEL_*`` or ``STIGMER_OTEL_*`` variable holds a value we cannot use."""


@dataclass(frozen=True)
class TelemetryConfig:
    """What to export, and where.

    The SDK itself reads the rest of the standard variables: ``OTEL_SERVICE_NAME`` and
    ``OTEL_RESOURCE_ATTRIBUTES`` (resource), ``OTEL_TRACES_SAMPLER`` / ``OTEL_TRACES_SAMPLER_ARG``
    (sampler), ``OTEL_EXPORTER_OTLP_*`` (endpoint, headers, TLS, timeout, compression),
    ``OTEL_BSP_*`` (batching) and ``OTEL_PROPAGATORS``.

    Attributes:
        disabled: ``OTEL_SDK_DISABLED=true``: no SDK, no instrumentation, nothing recorded.
        traces_exporters: From ``OTEL_TRACES_EXPORTER`` (comma list of ``otlp``, ``console``,
            ``none``). Unset: ``otlp`` when an OTLP endpoint is configured, else nothing.
        metrics_exporters: Same rules, from ``OTEL_METRICS_EXPORTER``.
        spans_file: ``STIGMER_OTEL_SPANS_FILE``: append one JSON object per finished span
            (written synchronously; meant for tests and debugging, not production).
        metrics_file: ``STIGMER_OTEL_METRICS_FILE``: append one JSON object per metrics export.
        metric_export_interval_ms: ``OTEL_METRIC_EXPORT_INTERVAL`` (default 60000).
        sampler_set: ``OTEL_TRACES_SAMPLER`` is set: the SDK's sampler is the operator's
            choice even when nothing is exported.
    """

    disabled: bool = False
    traces_exporters: tuple[str, ...] = ()
    metrics_exporters: tuple[str, ...] = ()
    spans_file: str | None = None
    metrics_file: str | None = None
    metric_export_interval_ms: int = _DEFAULT_METRIC_INTERVAL_MS
    sampler_set: bool = False

    @property
    def exports_traces(self) -> bool:
        """Whether finished spans go anywhere (an exporter or the spans file)."""
        return bool(self.traces_exporters) or self.spans_file is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TelemetryConfig:
        """Read the configuration.

        Args:
            env: Variables to read; ``os.environ`` when omitted.

        Raises:
            TelemetryConfigError: An exporter name is unknown or the interval is not a number.
        """
        src = os.environ if env is None else env
        has_endpoint = bool(src.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        interval_raw = src.get("OTEL_METRIC_EXPORT_INTERVAL", "")
        try:
            interval = int(interval_raw) if interval_raw else _DEFAULT_METRIC_INTERVAL_MS
        except ValueError:
            raise TelemetryConfigError(
                f"OTEL_METRIC_EXPORT_INTERVAL must be an integer, got {interval_raw!r}"
            ) from None
        if interval <= 0:
            raise TelemetryConfigError("OTEL_METRIC_EXPORT_INTERVAL must be positive")
        return cls(
            disabled=src.get("OTEL_SDK_DISABLED", "").strip().lower() in _TRUE,
            traces_exporters=_exporters(
                src,
                "OTEL_TRACES_EXPORTER",
                has_endpoint or bool(src.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
            ),
            metrics_exporters=_exporters(
                src,
                "OTEL_METRICS_EXPORTER",
                has_endpoint or bool(src.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")),
            ),
            spans_file=src.get("STIGMER_OTEL_SPANS_FILE") or None,
            metrics_file=src.get("STIGMER_OTEL_METRICS_FILE") or None,
            metric_export_interval_ms=interval,
            sampler_set=bool(src.get("OTEL_TRACES_SAMPLER", "").strip()),
        )


def _exporters(src: Mapping[str, str], name: str, has_endpoint: bool) -> tuple[str, ...]:
    raw = src.get(name, "").strip()
    if not raw:
        # The spec's default is otlp; exporting to a localhost collector nobody runs only
        # produces connection errors, so without an endpoint we export nothing.
        return ("otlp",) if has_endpoint else ()
    names = [part.strip().lower() for part in raw.split(",") if part.strip()]
    unknown = sorted(set(names) - _EXPORTERS)
    if unknown:
        raise TelemetryConfigError(
            f"{name}: unsupported exporter(s) {', '.join(unknown)} (use otlp, console or none)"
        )
    if "none" in names:
        return ()
    return tuple(dict.fromkeys(names))
