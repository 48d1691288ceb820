"""Log correlation: trace id, span id and execution id on every log record."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from opentelemetry import trace

from stigmer_telemetry.context import current_execution_id

LOG_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s span_id=%(span_id)s "
    "execution_id=%(execution_id)s] %(message)s"
)
"""A text format showing the fields :class:`TraceContextFilter` adds."""

LOG_LEVEL_ENV = "LOG_LEVEL"
_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def log_level_from_env(env: Mapping[str, str], default: str = "INFO") -> str:
    """The ``LOG_LEVEL`` both services read: a level name, any case (``WARN`` is ``WARNING``).

    Raises:
        ValueError: Not a level name; the message names the variable and the accepted values.
    """
    raw = env.get(LOG_LEVEL_ENV, "").strip().upper() or default
    level = "WARNING" if raw == "WARN" else raw
    if level not in _LEVELS:
        raise ValueError(f"{LOG_LEVEL_ENV}: expected one of {', '.join(_LEVELS)}, got {raw!r}")
    return level


class TraceContextFilter(logging.Filter):
    """Adds ``trace_id``, ``span_id`` and ``execution_id`` to each record (``""`` when none).

    Attach it to handlers, not loggers: a logger's filters do not see records propagated
    from its children.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate ``record``; never drops it."""
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            record.trace_id = format(ctx.trace_id, "032x")
            record.span_id = format(ctx.span_id, "016x")
        else:
            record.trace_id = ""
            record.span_id = ""
        if not getattr(record, "execution_id", ""):
            record.execution_id = current_execution_id()
        return True


def install_log_correlation(logger: logging.Logger | None = None) -> None:
    """Add a :class:`TraceContextFilter` to every handler of ``logger`` (default: root).

    Call it after the handlers are configured. Idempotent.
    """
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, TraceContextFilter) for f in handler.filters):
            handler.addFilter(TraceContextFilter())
