"""The ``emit`` activity: deliver one CloudEvent to the configured sink (structured-mode JSON)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    import httpx

from workflow_runner.engine.activities.http_client import shared_client

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmitRequest:
    """A CloudEvent to deliver.

    Attributes:
        event: The CloudEvent (structured mode: context attributes and ``data``).
        execution_id: The emitting execution (for logs).
    """

    event: dict[str, Any]
    execution_id: str = ""


@dataclass(frozen=True)
class EmitResult:
    """Where the event went: ``sink`` is the URL, or None when no sink is configured."""

    delivered: bool
    sink: str | None = None
    status_code: int | None = None


async def deliver(
    request: EmitRequest, sink_url: str | None, api_key: str | None = None
) -> EmitResult:
    """POST the event to ``sink_url`` as ``application/cloudevents+json``; log it without a sink.

    ``api_key`` (the operator's, for that sink only) goes as ``authorization: Bearer``.

    Raises:
        ApplicationError: Non-retryable ``communication`` error when the sink fails or answers
            outside 2xx.
    """
    event = request.event
    if not sink_url:
        logger.info(
            "emit (no event sink configured) execution=%s type=%s source=%s id=%s",
            request.execution_id,
            event.get("type"),
            event.get("source"),
            event.get("id"),
        )
        return EmitResult(delivered=False)
    try:
        # The sink is the operator's (STIGMER_EVENT_SINK_URL), not the document's: exempt from
        # the network policy so it may be an in-cluster broker the policy denies to documents.
        response = await shared_client(None).post(
            sink_url,
            json=event,
            headers={
                "Content-Type": "application/cloudevents+json; charset=utf-8",
                **({"Authorization": f"Bearer {api_key}"} if api_key else {}),
            },
        )
    except httpx.HTTPError as exc:
        raise ApplicationError(
            f"emitting event to {sink_url} failed: {type(exc).__name__}: {exc}",
            type="communication",
            non_retryable=True,
        ) from None
    if not 200 <= response.status_code < 300:
        raise ApplicationError(
            f"event sink {sink_url} answered HTTP {response.status_code}",
            type="communication",
            non_retryable=True,
        )
    return EmitResult(delivered=True, sink=sink_url, status_code=response.status_code)
