"""``call: http``: evaluate the request in the workflow, run it as an activity, map the status."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl import expressions
from stigmer_dsl.errors import make_error
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import call_http
from stigmer_protos.temporal_names import HTTP_CALL_ACTIVITY

from workflow_runner.engine import secrets
from workflow_runner.engine.activities.http_call import HttpRequest, HttpResponse
from workflow_runner.engine.context import Outcome, TaskContext, TaskRun
from workflow_runner.engine.http_values import expand_uri_template
from workflow_runner.engine.tasks._activity import (
    authorization,
    execute,
    secret_evaluated,
    secret_names,
    secret_scope,
)

KINDS = (call_http.KIND.id,)
"""The library's kinds this module runs."""


def authentication_policy(ctx: TaskContext, auth: Json) -> Json:
    """Resolve a ``use: <name>`` reference to ``use.authentications``; return the policy."""
    if isinstance(auth, Mapping) and "use" in auth and len(auth) == 1:
        return ctx.use["authentications"][auth["use"]]
    return auth


async def build_request(
    ctx: TaskContext, args: Mapping[str, Json], data: Json, variables: Mapping[str, Json]
) -> HttpRequest:
    """Evaluate the ``with`` arguments into an :class:`HttpRequest`.

    ``$secrets`` expressions and ``use: <secret>`` references become the request's secret
    sites (None in its values); the activity fills them.
    """
    endpoint = args["endpoint"]
    raw_uri = endpoint["uri"] if isinstance(endpoint, Mapping) else endpoint
    sites: list[secrets.SecretSite] = []

    async def field(template: Json, name: str, *, authentication: bool = False) -> Json:
        value, found = await secret_evaluated(
            ctx, template, name, data, variables, authentication=authentication
        )
        sites.extend(found)
        return value

    uri: Json
    if expressions.is_runtime_expression(raw_uri):
        uri = await field(raw_uri, "uri")
        uri = None if sites else str(uri)
    else:
        uri = expand_uri_template(str(raw_uri), data)

    async def mapping(template: Json, name: str) -> dict[str, Json]:
        # Values stay JSON here (secret sites None); the activity writes them as text.
        evaluated = await field(template or {}, name)
        return {str(k): v for k, v in evaluated.items()} if isinstance(evaluated, Mapping) else {}

    authentication = None
    if isinstance(endpoint, Mapping) and endpoint.get("authentication") is not None:
        policy = authentication_policy(ctx, endpoint["authentication"])
        authentication = await field(policy, "authentication", authentication=True)
    headers = await mapping(args.get("headers"), "headers")
    query = await mapping(args.get("query"), "query")
    body = await field(args.get("body"), "body")
    return HttpRequest(
        method=str(args["method"]),
        uri=uri,
        headers=headers,
        query=query,
        body=body,
        has_body="body" in args,
        follow_redirects=bool(args.get("redirect", False)),
        authentication=authentication,
        secret_scope=secret_scope(data, variables, sites),
        execution_id=ctx.execution_id,
        secret_names=secret_names(ctx),
        secret_sites=sites,
    )


def response_output(
    request: HttpRequest, response: HttpResponse, mode: str, method: str | None = None
) -> Json:
    """The task output for ``output: raw | content | response`` (secret sites shown ``***``)."""
    if mode == "raw":
        return response.content_base64
    if mode == "response":
        return {
            "request": {
                "method": (method or request.method).upper(),
                "uri": secrets.masked(request.uri, "uri", request.secret_sites),
                "headers": secrets.masked(request.headers, "headers", request.secret_sites),
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
        uri = secrets.masked(request.uri, "uri", request.secret_sites)
        detail = f"{request.method.upper()} {uri} returned HTTP {response.status_code}"
        raise make_error(
            "communication",
            detail,
            title=response.reason or "HTTP error",
            status=response.status_code,
        )


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Perform the call; non-2xx (non-2xx/3xx with ``redirect``) is a communication error."""
    args = run.node.spec["with"]
    variables = ctx.task_arguments(run, data)
    request = await build_request(ctx, args, data, variables)
    response: HttpResponse = await execute(
        ctx, HTTP_CALL_ACTIVITY, request, HttpResponse, title="HTTP call failed"
    )
    check_status(request, response)
    output = response_output(request, response, str(args.get("output", "content")))
    return Outcome(output, authorization=authorization(ctx, run, request))
