"""The ``call: http`` activity: one HTTP request with httpx, no interpretation of the status."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError

from workflow_runner.engine.contract import HTTP_CALL_ACTIVITY

with workflow.unsafe.imports_passed_through():
    import httpx


@dataclass(frozen=True)
class HttpRequest:
    """An evaluated DSL HTTP call.

    Attributes:
        method: HTTP method (any case).
        uri: Absolute URI with path parameters already substituted.
        headers: Request headers.
        query: Query parameters merged into the URI's own.
        body: JSON-able body; a string is sent as is, other values as JSON.
        has_body: Whether ``body`` was given (``None`` is a valid JSON body).
        follow_redirects: Follow 3xx responses (DSL ``redirect: true``).
        timeout_seconds: Network timeout.
    """

    method: str
    uri: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    follow_redirects: bool = False
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class HttpResponse:
    """The response, with content decoded as JSON or text when the content type allows.

    Attributes:
        status_code: HTTP status.
        reason: Reason phrase.
        headers: Response headers (last value wins).
        content: Decoded JSON, text, base64 text for binary content, or None when empty.
        content_base64: The raw content, base64-encoded.
    """

    status_code: int
    reason: str
    headers: dict[str, str]
    content: Any
    content_base64: str


def decode_content(content_type: str, raw: bytes) -> Any:
    """Decode a body: JSON for ``*/json`` and ``*+json``, text for ``text/*``, else base64."""
    if not raw:
        return None
    media = content_type.split(";")[0].strip().lower()
    if media.endswith("/json") or media.endswith("+json"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")
    if media.startswith("text/") or media.endswith("/xml") or media.endswith("+xml") or not media:
        return raw.decode(errors="replace")
    return base64.b64encode(raw).decode()


@activity.defn(name=HTTP_CALL_ACTIVITY)
async def http_call(request: HttpRequest) -> HttpResponse:
    """Perform the request and return the response whatever its status.

    Raises:
        ApplicationError: Non-retryable, type ``communication`` or ``timeout``, when no response
            was received.
    """
    kwargs: dict[str, Any] = {"headers": request.headers}
    if request.query:
        kwargs["params"] = request.query
    if request.has_body:
        if isinstance(request.body, str | bytes):
            kwargs["content"] = request.body
        else:
            kwargs["json"] = request.body
    try:
        async with httpx.AsyncClient(
            follow_redirects=request.follow_redirects, timeout=request.timeout_seconds
        ) as client:
            response = await client.request(request.method.upper(), request.uri, **kwargs)
    except httpx.TimeoutException as exc:
        raise ApplicationError(
            f"{request.method.upper()} {request.uri} timed out: {exc}",
            type="timeout",
            non_retryable=True,
        ) from None
    except httpx.HTTPError as exc:
        raise ApplicationError(
            f"{request.method.upper()} {request.uri} failed: {type(exc).__name__}: {exc}",
            type="communication",
            non_retryable=True,
        ) from None
    raw = response.content
    return HttpResponse(
        status_code=response.status_code,
        reason=response.reason_phrase,
        headers=dict(response.headers.items()),
        content=decode_content(response.headers.get("content-type", ""), raw),
        content_base64=base64.b64encode(raw).decode(),
    )
