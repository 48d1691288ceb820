"""Fetch DSL external resources (OpenAPI documents, proto files, script sources).

``http(s)://`` resources are fetched through the worker's network policy, following redirects
(each hop checked). ``file://`` URIs and bare paths name files on the worker: the document's
author is not trusted to read them, so they are refused unless the operator set a root directory
(``STIGMER_ALLOW_FILE_RESOURCES`` + ``STIGMER_FILE_RESOURCES_ROOT``), and then only files that
resolve (symlinks followed) inside it are read. A relative path is relative to the root.
Either way at most ``MAX_DOCUMENT_BYTES`` are read (``docs/limits.md``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from stigmer_dsl.errors import error_type
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflow_runner.engine import secrets as secret_values
from workflow_runner.engine.activities import redirects
from workflow_runner.engine.activities.http_client import shared_client
from workflow_runner.engine.config import (
    ALLOW_FILE_RESOURCES_ENV,
    FILE_RESOURCES_ROOT_ENV,
    EngineConfig,
)

with workflow.unsafe.imports_passed_through():
    import httpx
    from stigmer_protos.limits import MAX_DOCUMENT_BYTES

FETCH_TIMEOUT_SECONDS = 30.0


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


def _refused(status: int, kind: str, title: str, detail: str) -> ApplicationError:
    return secret_values.to_application_error(
        {"type": error_type(kind), "status": status, "title": title, "detail": detail}
    )


def checked_path(uri: str, root: Path | None) -> Path | None:
    """The real path of a local resource inside ``root``; None for http(s) resources.

    Raises:
        ApplicationError: ``configuration`` (400) when local files are off (``root`` None),
            ``authorization`` (403) when the path resolves outside ``root``.
    """
    path = local_path(uri)
    if path is None:
        return None
    if root is None:
        raise _refused(
            400,
            "configuration",
            "Local file resources are disabled",
            f"this worker does not read local files ({uri!r}); the operator can allow a "
            f"directory with {ALLOW_FILE_RESOURCES_ENV}=1 and {FILE_RESOURCES_ROOT_ENV}",
        )
    root = root.resolve()
    real = (root / path).resolve()
    if not real.is_relative_to(root):
        raise _refused(
            403,
            "authorization",
            "File resource outside the allowed directory",
            f"{uri!r} resolves outside {FILE_RESOURCES_ROOT_ENV}",
        )
    return real


async def fetch_text(uri: str, config: EngineConfig) -> str:
    """Read the resource (see the module docstring).

    Raises:
        ApplicationError: Non-retryable: a refused local path (:func:`checked_path`), a
            destination the network policy denies (``authorization``), or ``communication``
            when it cannot be read.
    """
    try:
        path = checked_path(uri, config.file_resources_root)
        if path is not None:
            with path.open("rb") as file:
                return _bounded_text(uri, file.read(MAX_DOCUMENT_BYTES + 1))
        client = shared_client(config.network_policy)
        request = client.build_request("GET", uri, timeout=FETCH_TIMEOUT_SECONDS)
        response = await redirects.send(client, request, follow=True, stream=True)
        try:
            if not 200 <= response.status_code < 300:
                raise ApplicationError(
                    f"fetching {uri} answered HTTP {response.status_code}",
                    type="communication",
                    non_retryable=True,
                )
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    break
        finally:
            await response.aclose()
        return _bounded_text(uri, bytes(body), response.encoding or "utf-8")
    except (OSError, httpx.HTTPError) as exc:
        raise ApplicationError(
            f"fetching {uri} failed: {type(exc).__name__}: {exc}",
            type="communication",
            non_retryable=True,
        ) from None


def _bounded_text(uri: str, data: bytes, encoding: str = "utf-8") -> str:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _refused(
            400,
            "configuration",
            "External resource too large",
            f"{uri!r} is larger than {MAX_DOCUMENT_BYTES} bytes (MAX_DOCUMENT_BYTES)",
        )
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:  # an unknown charset named by the server
        return data.decode("utf-8", errors="replace")
