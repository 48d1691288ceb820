"""OpenTelemetry for stigmer-server and workflow-runner (see this package's README)."""

from __future__ import annotations

from stigmer_telemetry.config import TelemetryConfig, TelemetryConfigError
from stigmer_telemetry.context import (
    EXECUTION_ID_BAGGAGE_KEY,
    current_execution_id,
    execution_context,
)
from stigmer_telemetry.logs import (
    LOG_FORMAT,
    TraceContextFilter,
    install_log_correlation,
    log_level_from_env,
)
from stigmer_telemetry.metrics import ExecutionMetrics, execution_metrics, phase_label
from stigmer_telemetry.setup import Telemetry, configure_telemetry
from stigmer_telemetry.temporal import (
    ExecutionContextInterceptor,
    client_interceptors,
    execution_id_after,
    with_tracing,
)

__all__ = [
    "EXECUTION_ID_BAGGAGE_KEY",
    "LOG_FORMAT",
    "ExecutionContextInterceptor",
    "ExecutionMetrics",
    "Telemetry",
    "TelemetryConfig",
    "TelemetryConfigError",
    "TraceContextFilter",
    "client_interceptors",
    "configure_telemetry",
    "current_execution_id",
    "execution_context",
    "execution_id_after",
    "execution_metrics",
    "install_log_correlation",
    "log_level_from_env",
    "phase_label",
    "with_tracing",
]
