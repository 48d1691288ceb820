"""``call: http``: evaluate the request in the workflow, run it as an activity, map the status."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from workflow_runner.engine import expressions, secrets
from workflow_runner.engine.activities.http_call import HttpRequest, HttpResponse
from workflow_runner.engine.contract import HTTP_CALL_ACTIVITY
from workflow_runner.engine.errors import make_error
from workflow_runner.engine.executor import Executor, Outcome, TaskRun
from workflow_runner.engine.tasks._activity import (
    deferred_value,
    execute,
    secret_names,
    secret_scope,
)

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")


def expand_uri_template(uri: str, data: Any) -> str:
    """Substitute ``{name}`` with top-level properties of ``data`` (RFC 6570 simple strings).

    Raises:
        WorkflowError: A referenced value is an object or array (expression error, 400).
    """

    def replace(match: re.Match[str]) -> str:
        value = data.get(match.group(1)) if isinstance(data, dict) else None
        if value is None:
            return ""
        if isinstance(value, dict | list):
            raise make_error(
                "expression",
                f"URI template variable {match.group(1)!r} must be a scalar",
                title="Invalid URI template value",
            )
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _TEMPLATE_VARIABLE.sub(replace, uri)


def authentication_policy(ex: Executor, auth: Any) -> Any:
    """Resolve a ``use: <name>`` reference to ``use.authentications``; return the policy."""
    if isinstance(auth, Mapping) and "use" in auth and len(auth) == 1:
        return ex.definition.use["authentications"][auth["use"]]
    return auth


def build_request(
    ex: Executor, args: Mapping[str, Any], data: Any, variables: Mapping[str, Any]
) -> HttpRequest:
    """Evaluate the ``with`` arguments into an :class:`HttpRequest`.

    ``$secrets`` expressions stay unevaluated markers; the activity resolves them.
    """
    endpoint = args["endpoint"]
    raw_uri = endpoint["uri"] if isinstance(endpoint, Mapping) else endpoint
    uri: Any
    if expressions.is_runtime_expression(raw_uri):
        uri = deferred_value(ex, raw_uri, data, variables)
        uri = uri if secrets.is_marker(uri) else str(uri)
    else:
        uri = expand_uri_template(str(raw_uri), data)

    def mapping(value: Any) -> dict[str, Any]:
        evaluated = deferred_value(ex, value or {}, data, variables)
        return {str(k): v if secrets.is_marker(v) else str(v) for k, v in evaluated.items()}

    authentication = None
    if isinstance(endpoint, Mapping) and endpoint.get("authentication") is not None:
        policy = authentication_policy(ex, endpoint["authentication"])
        authentication = deferred_value(ex, policy, data, variables)
    body = deferred_value(ex, args.get("body"), data, variables)
    headers, query = mapping(args.get("headers")), mapping(args.get("query"))
    scoped = any(
        secrets.defer(value)[1]
        for value in (raw_uri, args.get("headers"), args.get("query"), args.get("body"))
    ) or bool(authentication and secrets.defer(endpoint.get("authentication"))[1])
    return HttpRequest(
        method=str(args["method"]),
        uri=uri,
        headers=headers,
        query=query,
        body=body,
        has_body="body" in args,
        follow_redirects=bool(args.get("redirect", False)),
        authentication=authentication,
        secret_scope=secret_scope(data, variables) if scoped else None,
        execution_id=ex.execution_id,
        secret_names=secret_names(ex),
    )


def redacted(value: Any) -> Any:
    """Replace deferred secret markers by ``***`` (for outputs that echo the request)."""
    if secrets.is_marker(value):
        return "***"
    if isinstance(value, dict):
        return {k: redacted(v) for k, v in value.items()}
    return value


def response_output(
    request: HttpRequest, response: HttpResponse, mode: str, method: str | None = None
) -> Any:
    """The task output for ``output: raw | content | response``."""
    if mode == "raw":
        return response.content_base64
    if mode == "response":
        return {
            "request": {
                "method": (method or request.method).upper(),
                "uri": redacted(request.uri),
                "headers": redacted(request.headers),
            },
            "statusCode": response.status_code,
            "headers": response.headers,
            "content": response.content,
        }
    return response.content


def check_status(request: HttpRequest, response: HttpResponse) -> None:
    """Raise the communication error of a non-2xx (non-2xx/3xx with ``redirect``) status."""
    upper = 400 if request.follow_redirects else 300
    if not 200 <= response.status_code < upper:
        detail = (
            f"{request.method.upper()} {redacted(request.uri)} returned HTTP {response.status_code}"
        )
        raise make_error(
            "communication",
            detail,
            title=response.reason or "HTTP error",
            status=response.status_code,
        )


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Perform the call; non-2xx (non-2xx/3xx with ``redirect``) is a communication error."""
    args = run.node.spec["with"]
    variables = ex.task_arguments(run, data)
    request = build_request(ex, args, data, variables)
    response: HttpResponse = await execute(
        ex, HTTP_CALL_ACTIVITY, request, HttpResponse, title="HTTP call failed"
    )
    check_status(request, response)
    return Outcome(response_output(request, response, str(args.get("output", "content"))))
