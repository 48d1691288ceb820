"""``call: grpc``: evaluate the call in the workflow; the activity compiles the proto and calls."""

from __future__ import annotations

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import call_grpc
from stigmer_protos.temporal_names import GRPC_CALL_ACTIVITY

from workflow_runner.engine.activities.grpc_call import GrpcRequest, GrpcResponse
from workflow_runner.engine.activities.resources import endpoint_uri
from workflow_runner.engine.context import Outcome, TaskContext, TaskRun
from workflow_runner.engine.tasks._activity import (
    authorization,
    execute,
    secret_evaluated,
    secret_names,
    secret_scope,
)
from workflow_runner.engine.tasks.call_http import authentication_policy

KINDS = (call_grpc.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Call the unary method; the output is the response message as JSON."""
    args = run.node.spec["with"]
    variables = ctx.task_arguments(run, data)
    proto = endpoint_uri(await ctx.value(args["proto"], data, variables))
    service = await ctx.value(args["service"].get("name"), data, variables)
    host = await ctx.value(args["service"].get("host"), data, variables)
    port = args["service"].get("port")  # the schema makes it an integer literal
    method = await ctx.value(args["method"], data, variables)
    arguments, sites = await secret_evaluated(
        ctx, args.get("arguments") or {}, "arguments", data, variables
    )
    auth_spec = args["service"].get("authentication")
    authentication = None
    if auth_spec is not None:
        authentication, auth_sites = await secret_evaluated(
            ctx,
            authentication_policy(ctx, auth_spec),
            "authentication",
            data,
            variables,
            authentication=True,
        )
        sites = [*sites, *auth_sites]
    request = GrpcRequest(
        proto=proto,
        service=str(service),
        host=str(host),
        port=port,
        method=str(method),
        arguments=arguments,
        authentication=authentication,
        secret_scope=secret_scope(data, variables, sites),
        execution_id=ctx.execution_id,
        secret_names=secret_names(ctx),
        secret_sites=sites,
    )
    result: GrpcResponse = await execute(
        ctx, GRPC_CALL_ACTIVITY, request, GrpcResponse, title="gRPC call failed"
    )
    return Outcome(result.response, authorization=authorization(ctx, run, request))
