"""``call: openapi``: evaluate parameters in the workflow; the activity resolves the operation."""

from __future__ import annotations

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import call_openapi
from stigmer_protos.temporal_names import OPENAPI_CALL_ACTIVITY

from workflow_runner.engine.activities.http_call import HttpRequest
from workflow_runner.engine.activities.openapi_call import OpenApiRequest, OpenApiResponse
from workflow_runner.engine.activities.resources import endpoint_uri
from workflow_runner.engine.context import Outcome, TaskContext, TaskRun
from workflow_runner.engine.secrets import SecretSite
from workflow_runner.engine.tasks._activity import (
    authorization,
    execute,
    secret_evaluated,
    secret_names,
    secret_scope,
)
from workflow_runner.engine.tasks.call_http import (
    authentication_policy,
    check_status,
    response_output,
)

KINDS = (call_openapi.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Call the operation; statuses and output modes follow ``call: http``."""
    args = run.node.spec["with"]
    variables = ctx.task_arguments(run, data)
    document = endpoint_uri(await ctx.value(args["document"], data, variables))
    parameters = await ctx.value(args.get("parameters") or {}, data, variables)
    authentication = None
    sites: list[SecretSite] = []
    if args.get("authentication") is not None:
        policy = authentication_policy(ctx, args["authentication"])
        authentication, sites = await secret_evaluated(
            ctx, policy, "authentication", data, variables, authentication=True
        )
    request = OpenApiRequest(
        document=document,
        operation_id=str(args["operationId"]),
        parameters=dict(parameters),
        authentication=authentication,
        follow_redirects=bool(args.get("redirect", False)),
        secret_scope=secret_scope(data, variables, sites),
        execution_id=ctx.execution_id,
        secret_names=secret_names(ctx),
        secret_sites=sites,
    )
    result: OpenApiResponse = await execute(
        ctx, OPENAPI_CALL_ACTIVITY, request, OpenApiResponse, title="OpenAPI call failed"
    )
    sent = HttpRequest(
        method=result.method,
        uri=result.uri,
        headers=result.headers,
        follow_redirects=request.follow_redirects,
    )
    check_status(sent, result.response)
    output = response_output(sent, result.response, str(args.get("output", "content")))
    return Outcome(output, authorization=authorization(ctx, run, request))
