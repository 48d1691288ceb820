"""The execution id of the work in progress, for log lines and spans.

It lives in a contextvar (this process) and in OTel baggage (``stigmer.execution_id``), so it
also reaches the other service through gRPC metadata and Temporal headers: the server's log
lines for the runner's ``updateStatus`` calls carry it without the server parsing requests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from opentelemetry import baggage, trace
from opentelemetry import context as otel_context

EXECUTION_ID_BAGGAGE_KEY = "stigmer.execution_id"
"""Baggage key (and span attribute name) carrying the execution id between services."""

_execution_id: ContextVar[str | None] = ContextVar("stigmer_execution_id", default=None)


def current_execution_id() -> str:
    """The execution id of the current context (this process first, then baggage), or ``""``."""
    local = _execution_id.get()
    if local:
        return local
    value = baggage.get_baggage(EXECUTION_ID_BAGGAGE_KEY)
    return str(value) if value else ""


@contextlib.contextmanager
def execution_context(execution_id: str) -> Iterator[None]:
    """Mark everything inside as work on ``execution_id``.

    Sets the contextvar and the baggage entry and tags the current span with
    ``stigmer.execution_id``. An empty id changes nothing.

    Args:
        execution_id: The ``wex-...`` id.
    """
    if not execution_id:
        yield
        return
    token = _execution_id.set(execution_id)
    otel_token = otel_context.attach(baggage.set_baggage(EXECUTION_ID_BAGGAGE_KEY, execution_id))
    trace.get_current_span().set_attribute(EXECUTION_ID_BAGGAGE_KEY, execution_id)
    try:
        yield
    finally:
        otel_context.detach(otel_token)
        _execution_id.reset(token)
