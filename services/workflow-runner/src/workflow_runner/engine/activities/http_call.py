"""The ``call: http`` activity: one HTTP request with httpx, no interpretation of the status."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from stigmer_dsl.errors import error_type
from stigmer_protos.temporal_names import HTTP_CALL_ACTIVITY
from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError

from workflow_runner.engine import secrets as secret_values
from workflow_runner.engine.activities import redirects
from workflow_runner.engine.activities.heartbeat import heartbeating
from workflow_runner.engine.activities.http_client import shared_client
from workflow_runner.engine.http_values import text_values
from workflow_runner.engine.network_policy import NetworkPolicy
from workflow_runner.engine.secrets import SecretSite

with workflow.unsafe.imports_passed_through():
    import httpx
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator


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
        authentication: The evaluated ``basic``/``bearer`` policy (the header is built here).
        secret_scope: Data and arguments for the ``$secrets`` expressions, if any.
        execution_id: Informational only (kept for compatibility): secrets are those of the
            execution whose interpreter workflow scheduled the activity.
        secret_names: ``use.secrets`` (None: not declared, every resolved secret is visible).
        secret_sites: Where the activity puts secrets (from the document, never data).
    """

    method: str
    uri: Any
    headers: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    follow_redirects: bool = False
    timeout_seconds: float = 60.0
    authentication: dict[str, Any] | None = None
    secret_scope: dict[str, Any] | None = None
    execution_id: str = ""
    secret_names: list[str] | None = None
    secret_sites: list[SecretSite] = field(default_factory=list)


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


_TRACE_CONTEXT = TraceContextTextMapPropagator()


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


def authorization_header(auth: Any) -> str | None:
    """The ``Authorization`` header of a resolved ``basic``/``bearer`` policy, if any.

    Raises:
        ApplicationError: Non-retryable ``configuration`` error for a policy of another shape
            (see :func:`~workflow_runner.engine.secrets.authorization_parts`).
    """
    parts = secret_values.authorization_parts(auth)
    return None if parts is None else f"{parts[0]} {parts[1]}"


def secret_headers(request: HttpRequest, headers: dict[str, str]) -> list[str]:
    """Names of the headers whose value comes from ``$secrets`` (dropped on cross-origin hops)."""
    paths = [s.path for s in request.secret_sites if s.path and s.path[0] == "headers"]
    if any(len(path) == 1 for path in paths):  # headers: ${ ... $secrets ... } as a whole
        return list(headers)
    referenced = [  # values holding secret references
        str(name)
        for name, value in (request.headers or {}).items()
        if any(secret_values.tokens_in(value))
    ]
    return [str(path[1]) for path in paths] + referenced


def check_header_values(headers: dict[str, str]) -> None:
    """Refuse header values HTTP cannot carry, naming the header but never the value.

    Raises:
        ApplicationError: Non-retryable ``configuration`` error for a control character or a
            non-ASCII character (httpx encodes header values as ASCII).
    """
    for name, value in headers.items():
        if any(not (" " <= char <= "~" or char == "\t") for char in value):
            raise secret_values.to_application_error(
                {
                    "type": error_type("configuration"),
                    "status": 400,
                    "title": "Invalid HTTP header",
                    "detail": f"the value of header {name!r} holds a control or non-ASCII "
                    "character, which HTTP headers cannot carry",
                }
            )


@activity.defn(name=HTTP_CALL_ACTIVITY)
async def http_call(request: HttpRequest) -> HttpResponse:
    """Perform the request and return the response whatever its status (no secrets).

    Raises:
        ApplicationError: Non-retryable, type ``communication`` or ``timeout``, when no response
            was received.
    """
    async with heartbeating():
        return await perform(request, {}, NetworkPolicy())


async def perform(
    request: HttpRequest, secrets: dict[str, Any], policy: NetworkPolicy
) -> HttpResponse:
    """Fill the request's secret sites, then send ``request`` (see :func:`http_call`).

    Every connection, redirects included, goes to an address ``policy`` allows.
    """

    def resolved(value: Any, field: str) -> Any:
        return secret_values.resolve(
            value, field, request.secret_sites, request.secret_scope, secrets
        )

    uri = str(resolved(request.uri, "uri"))
    headers = text_values(resolved(request.headers, "headers"))
    query = text_values(resolved(request.query, "query"))
    authorization = authorization_header(resolved(request.authentication, "authentication"))
    if authorization:
        headers.setdefault("Authorization", authorization)
    check_header_values(headers)
    body = resolved(request.body, "body")
    # W3C trace context only (not the baggage, which carries our execution id) so the called
    # service joins the trace without learning our internals.
    _TRACE_CONTEXT.inject(headers)
    kwargs: dict[str, Any] = {"headers": headers}
    if query:
        kwargs["params"] = query
    if request.has_body:
        if isinstance(body, str | bytes):
            kwargs["content"] = body
        else:
            kwargs["json"] = body
    client = shared_client(policy)
    try:
        first = client.build_request(
            request.method.upper(), uri, timeout=request.timeout_seconds, **kwargs
        )
        response = await redirects.send(
            client,
            first,
            follow=request.follow_redirects,
            secret_headers=secret_headers(request, headers),
        )
    except httpx.TimeoutException as exc:
        raise ApplicationError(
            f"{request.method.upper()} {uri} timed out: {exc}",
            type="timeout",
            non_retryable=True,
        ) from None
    except httpx.HTTPError as exc:
        raise ApplicationError(
            f"{request.method.upper()} {uri} failed: {type(exc).__name__}: {exc}",
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
