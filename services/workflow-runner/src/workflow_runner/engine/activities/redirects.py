"""Send a request and follow its redirects one hop at a time.

httpx's own redirect following only drops ``Authorization`` when the origin changes; a header
whose value came from ``$secrets`` (``X-Api-Key: ${ $secrets.key }``) would go to whatever host
the first server redirects to. Here every hop is a new request through the same client, so the
network policy checks each hop's address at connect time, and on a change of origin (scheme,
host or port) the credential headers are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    import httpx

MAX_REDIRECTS = 10
"""Hops followed before the call fails with a ``communication`` error."""

CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
"""Dropped on a cross-origin redirect, together with the call's secret-valued headers."""

_BODY_HEADERS = ("content-length", "content-type", "transfer-encoding")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def next_request(
    request: httpx.Request, response: httpx.Response, secret_headers: Iterable[str]
) -> httpx.Request:
    """The request of the next hop (RFC 9110 15.4 method rewriting, credentials dropped).

    Raises:
        ApplicationError: ``communication`` error when the location is not http(s).
    """
    url = request.url.join(response.headers["location"])
    if url.scheme not in ("http", "https"):
        raise ApplicationError(
            f"{request.method} {request.url.host} redirected to a {url.scheme!r} URL",
            type="communication",
            non_retryable=True,
        )
    method, content = request.method, request.content
    headers = httpx.Headers(request.headers)
    del headers["host"]  # set again from the new URL
    status = response.status_code
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, content = "GET", b""
        for name in _BODY_HEADERS:
            headers.pop(name, None)
    if _origin(url) != _origin(request.url):
        for name in CREDENTIAL_HEADERS.union(h.lower() for h in secret_headers):
            headers.pop(name, None)
    return httpx.Request(
        method, url, headers=headers, content=content or None, extensions=request.extensions
    )


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    follow: bool,
    secret_headers: Iterable[str] = (),
    stream: bool = False,
) -> httpx.Response:
    """Send ``request``; when ``follow``, follow up to :data:`MAX_REDIRECTS` redirects.

    Args:
        client: The (policy-checked) client.
        request: The first request.
        follow: Follow 3xx responses with a ``Location`` (else the 3xx is the response).
        secret_headers: Names of headers holding secret values, dropped with the standard
            credential headers when a redirect changes origin.
        stream: Leave the final body unread (the caller reads and closes it); redirect
            bodies are closed unread.

    Raises:
        ApplicationError: ``communication`` error after too many redirects.
    """
    secret_headers = tuple(secret_headers)
    response = await client.send(request, follow_redirects=False, stream=stream)
    hops = 0
    while follow and response.has_redirect_location:
        if hops == MAX_REDIRECTS:
            raise ApplicationError(
                f"{request.method} {request.url.host} redirected more than {MAX_REDIRECTS} times",
                type="communication",
                non_retryable=True,
            )
        hops += 1
        request = next_request(request, response, secret_headers)
        if stream:
            await response.aclose()
        response = await client.send(request, follow_redirects=False, stream=stream)
    return response
