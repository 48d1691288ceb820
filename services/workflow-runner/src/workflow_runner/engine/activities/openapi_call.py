"""The ``call: openapi`` activity: load the document, resolve the operation, send the request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from stigmer_dsl.yaml_io import YamlLimitError, parse_yaml
from temporalio.exceptions import ApplicationError

from workflow_runner.engine import secrets as secret_values
from workflow_runner.engine.activities.http_call import HttpRequest, HttpResponse, perform
from workflow_runner.engine.activities.resources import fetch_text
from workflow_runner.engine.config import EngineConfig
from workflow_runner.engine.http_values import json_text
from workflow_runner.engine.secrets import SecretSite

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class OpenApiRequest:
    """An evaluated ``call: openapi``.

    Attributes:
        document: URI of the OpenAPI 3.x or Swagger 2.0 document (http(s)://, file://).
        operation_id: The operation to call.
        parameters: Parameter values by name; a ``body``-located (or request body) parameter is
            sent as the JSON body; unmatched names join the body of an operation that has one.
        authentication: The evaluated ``basic``/``bearer`` policy (None at its secret sites).
        follow_redirects: DSL ``redirect``.
        secret_scope: Scope of the ``$secrets`` expressions.
        execution_id: Informational only (kept for compatibility): secrets are those of the
            execution whose interpreter workflow scheduled the activity.
        secret_names: ``use.secrets``.
        secret_sites: Where the activity puts secrets (from the document, never data).
    """

    document: str
    operation_id: str
    parameters: dict[str, Any] = field(default_factory=dict)
    authentication: dict[str, Any] | None = None
    follow_redirects: bool = False
    secret_scope: dict[str, Any] | None = None
    execution_id: str = ""
    secret_names: list[str] | None = None
    secret_sites: list[SecretSite] = field(default_factory=list)


@dataclass(frozen=True)
class OpenApiResponse:
    """The request actually sent (without credentials) and the raw response."""

    method: str
    uri: str
    headers: dict[str, str]
    response: HttpResponse


def _configuration(message: str) -> ApplicationError:
    return secret_values.to_application_error(
        {
            "type": "https://serverlessworkflow.io/spec/1.0.0/errors/configuration",
            "status": 400,
            "title": "Invalid OpenAPI call",
            "detail": message,
        }
    )


def _deref(document: dict[str, Any], value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("$ref"), str):
        ref = value["$ref"]
        if not ref.startswith("#/"):
            raise _configuration(f"external $ref {ref!r} is not supported")
        target: Any = document
        for token in ref[2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        return target
    return value


def find_operation(document: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """Return (path, method, operation merged with path-level parameters)."""
    for path, item in (document.get("paths") or {}).items():
        item = _deref(document, item)
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                params = [_deref(document, p) for p in item.get("parameters") or []]
                own = [_deref(document, p) for p in operation.get("parameters") or []]
                names = {(p.get("name"), p.get("in")) for p in own}
                merged = [p for p in params if (p.get("name"), p.get("in")) not in names] + own
                return path, method, {**operation, "parameters": merged}
    raise _configuration(f"operation {operation_id!r} not found in the OpenAPI document")


def base_url(document: dict[str, Any], document_uri: str) -> str:
    """The server URL: Swagger ``schemes/host/basePath`` or OpenAPI ``servers[0]``."""
    origin = urlsplit(document_uri)
    if "swagger" in document:
        schemes = document.get("schemes") or [origin.scheme or "https"]
        scheme = "https" if "https" in schemes and origin.scheme != "http" else schemes[0]
        host = document.get("host") or origin.netloc
        return f"{scheme}://{host}{document.get('basePath', '')}".rstrip("/")
    servers = document.get("servers") or [{"url": "/"}]
    server = servers[0]
    url = str(server.get("url", "/"))
    for name, var in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(var.get("default", "")))
    return urljoin(document_uri, url).rstrip("/")


def build_http_request(
    document: dict[str, Any], request: OpenApiRequest
) -> tuple[HttpRequest, str, dict[str, str]]:
    """Map the operation and parameters to an :class:`HttpRequest` (plus sent uri/headers)."""
    path, method, operation = find_operation(document, request.operation_id)
    remaining = dict(request.parameters)
    query: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    body: Any = None
    has_body = False
    for param in operation["parameters"]:
        name, where = str(param.get("name")), param.get("in")
        if where == "body":
            has_body = True
            body = remaining.pop(name, None)
            continue
        if name not in remaining:
            if param.get("required") and where == "path":
                raise _configuration(f"missing required path parameter {name!r}")
            continue
        value = remaining.pop(name)
        text = json_text(value)
        if where == "path":
            path = path.replace("{" + name + "}", quote(text or "", safe=""))
        elif where == "query":
            values = value if isinstance(value, list) else [value]
            query.extend((name, t) for t in map(json_text, values) if t is not None)
        elif where == "header" and text is not None:
            headers[name] = text
        elif where == "cookie" and text is not None:
            headers["Cookie"] = "; ".join(filter(None, [headers.get("Cookie"), f"{name}={text}"]))
    if "requestBody" in operation and not has_body:
        has_body = True
        body = remaining.pop("body", None) if "body" in remaining else (remaining or None)
    url = base_url(document, request.document) + path
    if query:
        url += ("&" if "?" in url else "?") + "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query
        )
    http = HttpRequest(
        method=method,
        uri=url,
        headers=headers,
        body=body,
        has_body=has_body,
        follow_redirects=request.follow_redirects,
        authentication=request.authentication,
        secret_scope=request.secret_scope,
        execution_id=request.execution_id,
        secret_names=request.secret_names,
        secret_sites=[
            s for s in request.secret_sites if not s.path or s.path[:1] == ["authentication"]
        ],
    )
    return http, url, headers


async def call(
    request: OpenApiRequest, secrets: dict[str, Any], config: EngineConfig
) -> OpenApiResponse:
    """Load the document and perform the operation (see :class:`OpenApiRequest`)."""
    text = await fetch_text(request.document, config)
    try:
        document = parse_yaml(text)
    except YamlLimitError as exc:
        raise _configuration(f"the OpenAPI document is refused: {exc}") from None
    except Exception as exc:  # yaml raises several error classes
        raise _configuration(f"the OpenAPI document is not JSON/YAML: {exc}") from None
    if not isinstance(document, dict):
        raise _configuration("the OpenAPI document is not an object")
    http, url, headers = build_http_request(document, request)
    response = await perform(http, secrets, config.network_policy)
    return OpenApiResponse(method=http.method.upper(), uri=url, headers=headers, response=response)
