"""Fetch DSL external resources (OpenAPI documents, proto files) from file:// or http(s)://."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    import httpx


def endpoint_uri(resource: object) -> str:
    """The URI of an ``externalResource`` (``{endpoint: uri | {uri}}``) or a plain string."""
    if isinstance(resource, dict):
        endpoint = resource.get("endpoint", resource.get("uri"))
        if isinstance(endpoint, dict):
            endpoint = endpoint.get("uri")
        return str(endpoint)
    return str(resource)


def local_path(uri: str) -> Path | None:
    """The file path of a ``file://`` URI or a bare path; None for http(s)."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return None
    if parts.scheme == "file":
        # file://app/greet.proto (the spec's example) names a relative path.
        return Path(unquote(parts.netloc + parts.path))
    return Path(uri)


async def fetch_text(uri: str) -> str:
    """Read the resource.

    Raises:
        ApplicationError: Non-retryable ``communication`` error when it cannot be read.
    """
    path = local_path(uri)
    try:
        if path is not None:
            return path.read_text()
        async with httpx.AsyncClient(timeout=30.0, follow_redirects=True) as client:
            response = await client.get(uri)
        if not 200 <= response.status_code < 300:
            raise ApplicationError(
                f"fetching {uri} answered HTTP {response.status_code}",
                type="communication",
                non_retryable=True,
            )
        return response.text
    except (OSError, httpx.HTTPError) as exc:
        raise ApplicationError(
            f"fetching {uri} failed: {type(exc).__name__}: {exc}",
            type="communication",
            non_retryable=True,
        ) from None
