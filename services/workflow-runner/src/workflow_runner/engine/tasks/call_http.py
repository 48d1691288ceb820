"""``call: http``: evaluate the request in the workflow, run it as an activity, map the status."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from workflow_runner.engine import expressions
from workflow_runner.engine.activities.http_call import HttpRequest, HttpResponse
from workflow_runner.engine.contract import HTTP_CALL_ACTIVITY
from workflow_runner.engine.errors import make_error
from workflow_runner.engine.executor import Executor, Outcome, TaskRun

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
DEFAULT_TIMEOUT = timedelta(minutes=5)


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


def _authorization(ex: Executor, auth: Any) -> str | None:
    if not isinstance(auth, Mapping):
        return None
    if "use" in auth:
        auth = ex.definition.use["authentications"][auth["use"]]
    if "basic" in auth:
        basic = auth["basic"]
        token = base64.b64encode(f"{basic['username']}:{basic['password']}".encode()).decode()
        return f"Basic {token}"
    if "bearer" in auth:
        return f"Bearer {auth['bearer']['token']}"
    return None


def build_request(
    ex: Executor, args: Mapping[str, Any], data: Any, variables: Mapping[str, Any]
) -> HttpRequest:
    """Evaluate the ``with`` arguments into an :class:`HttpRequest`."""
    endpoint = args["endpoint"]
    raw_uri = endpoint["uri"] if isinstance(endpoint, Mapping) else endpoint
    if expressions.is_runtime_expression(raw_uri):
        uri = str(ex.value(raw_uri, data, variables))
    else:
        uri = expand_uri_template(str(raw_uri), data)
    headers = {
        str(k): str(v) for k, v in (ex.value(args.get("headers") or {}, data, variables)).items()
    }
    query = {
        str(k): str(v) for k, v in (ex.value(args.get("query") or {}, data, variables)).items()
    }
    if isinstance(endpoint, Mapping) and endpoint.get("authentication") is not None:
        authorization = _authorization(ex, ex.value(endpoint["authentication"], data, variables))
        if authorization:
            headers.setdefault("Authorization", authorization)
    return HttpRequest(
        method=str(args["method"]),
        uri=uri,
        headers=headers,
        query=query,
        body=ex.value(args.get("body"), data, variables),
        has_body="body" in args,
        follow_redirects=bool(args.get("redirect", False)),
    )


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Perform the call; non-2xx (non-2xx/3xx with ``redirect``) is a communication error."""
    args = run.node.spec["with"]
    variables = ex.task_arguments(run, data)
    request = build_request(ex, args, data, variables)
    await ex.progress.flush()
    try:
        response: HttpResponse = await workflow.execute_activity(
            HTTP_CALL_ACTIVITY,
            request,
            result_type=HttpResponse,
            start_to_close_timeout=DEFAULT_TIMEOUT,
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
    except ActivityError as exc:
        cause = exc.cause
        kind = cause.type if isinstance(cause, ApplicationError) and cause.type else "communication"
        kind = kind if kind in ("timeout", "communication") else "communication"
        message = cause.message if isinstance(cause, ApplicationError) else str(exc)
        raise make_error(kind, message, title="HTTP call failed") from None
    upper = 400 if request.follow_redirects else 300
    if not 200 <= response.status_code < upper:
        detail = f"{request.method.upper()} {request.uri} returned HTTP {response.status_code}"
        raise make_error(
            "communication",
            detail,
            title=response.reason or "HTTP error",
            status=response.status_code,
        )
    mode = args.get("output", "content")
    if mode == "raw":
        return Outcome(response.content_base64)
    if mode == "response":
        return Outcome(
            {
                "request": {
                    "method": request.method.upper(),
                    "uri": request.uri,
                    "headers": request.headers,
                },
                "statusCode": response.status_code,
                "headers": response.headers,
                "content": response.content,
            }
        )
    return Outcome(response.content)
