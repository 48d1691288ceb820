"""``call: openapi``: evaluate parameters in the workflow; the activity resolves the operation."""

from __future__ import annotations

from typing import Any

from stigmer_protos.temporal_names import OPENAPI_CALL_ACTIVITY

from workflow_runner.engine.activities.http_call import HttpRequest
from workflow_runner.engine.activities.openapi_call import OpenApiRequest, OpenApiResponse
from workflow_runner.engine.activities.resources import endpoint_uri
from workflow_runner.engine.executor import Executor, Outcome, TaskRun
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


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Call the operation; statuses and output modes follow ``call: http``."""
    args = run.node.spec["with"]
    variables = ex.task_arguments(run, data)
    document = endpoint_uri(ex.value(args["document"], data, variables))
    parameters = ex.value(args.get("parameters") or {}, data, variables)
    authentication = None
    sites: list[SecretSite] = []
    if args.get("authentication") is not None:
        policy = authentication_policy(ex, args["authentication"])
        authentication, sites = secret_evaluated(
            ex, policy, "authentication", data, variables, authentication=True
        )
    request = OpenApiRequest(
        document=document,
        operation_id=str(args["operationId"]),
        parameters=dict(parameters),
        authentication=authentication,
        follow_redirects=bool(args.get("redirect", False)),
        secret_scope=secret_scope(data, variables, sites),
        execution_id=ex.execution_id,
        secret_names=secret_names(ex),
        secret_sites=sites,
    )
    result: OpenApiResponse = await execute(
        ex, OPENAPI_CALL_ACTIVITY, request, OpenApiResponse, title="OpenAPI call failed"
    )
    sent = HttpRequest(
        method=result.method,
        uri=result.uri,
        headers=result.headers,
        follow_redirects=request.follow_redirects,
    )
    check_status(sent, result.response)
    output = response_output(sent, result.response, str(args.get("output", "content")))
    return Outcome(output, authorization=authorization(ex, run, request))
