"""The ``call: http`` activity: one HTTP request with httpx, no interpretation of the status."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError

from workflow_runner.engine import secrets as secret_values
from workflow_runner.engine.activities import redirects
from workflow_runner.engine.activities.heartbeat import heartbeating
from workflow_runner.engine.activities.http_client import shared_client
from workflow_runner.engine.contract import HTTP_CALL_ACTIVITY
from workflow_runner.engine.network_policy import NetworkPolicy

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
        secret_scope: Data and arguments for deferred ``$secrets`` expressions, if any.
        execution_id: The execution whose secrets the resolver returns.
        secret_names: ``use.secrets`` (None: not declared, every resolved secret is visible).
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


def _secret(secrets: dict[str, Any], name: str) -> Any:
    if name not in secrets:
        raise secret_values.missing_secret(name)
    return secrets[name]


def authorization_header(auth: Any, secrets: dict[str, Any]) -> str | None:
    """Build the ``Authorization`` header of a ``basic``/``bearer`` policy.

    A scheme's ``use: <secret>`` reads the secret: an object with ``username``/``password``
    (basic) or ``token`` (bearer), or a plain string token for bearer.
    """
    if not isinstance(auth, dict):
        return None
    if "basic" in auth:
        basic = auth["basic"]
        if isinstance(basic, dict) and "use" in basic:
            basic = _secret(secrets, str(basic["use"]))
        token = base64.b64encode(f"{basic['username']}:{basic['password']}".encode()).decode()
        return f"Basic {token}"
    if "bearer" in auth:
        bearer = auth["bearer"]
        if isinstance(bearer, dict) and "use" in bearer:
            bearer = _secret(secrets, str(bearer["use"]))
        value = bearer["token"] if isinstance(bearer, dict) else bearer
        return f"Bearer {value}"
    return None


def secret_headers(request: HttpRequest) -> list[str]:
    """Names of the headers whose value comes from ``$secrets`` (dropped on cross-origin hops)."""
    return [str(k) for k, v in request.headers.items() if secret_values.is_marker(v)]


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
    """Resolve deferred secret expressions, then send ``request`` (see :func:`http_call`).

    Every connection, redirects included, goes to an address ``policy`` allows.
    """
    scope = request.secret_scope
    uri = str(secret_values.resolve(request.uri, scope, secrets))
    headers = {
        str(k): str(v) for k, v in secret_values.resolve(request.headers, scope, secrets).items()
    }
    query = {
        str(k): str(v) for k, v in secret_values.resolve(request.query, scope, secrets).items()
    }
    authorization = authorization_header(
        secret_values.resolve(request.authentication, scope, secrets), secrets
    )
    if authorization:
        headers.setdefault("Authorization", authorization)
    body = secret_values.resolve(request.body, scope, secrets)
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
            client, first, follow=request.follow_redirects, secret_headers=secret_headers(request)
        )
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
