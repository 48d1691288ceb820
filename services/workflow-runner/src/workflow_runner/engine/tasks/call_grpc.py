"""``call: grpc``: evaluate the call in the workflow; the activity compiles the proto and calls."""

from __future__ import annotations

from typing import Any

from stigmer_protos.temporal_names import GRPC_CALL_ACTIVITY

from workflow_runner.engine.activities.grpc_call import GrpcRequest, GrpcResponse
from workflow_runner.engine.activities.resources import endpoint_uri
from workflow_runner.engine.executor import Executor, Outcome, TaskRun
from workflow_runner.engine.tasks._activity import (
    authorization,
    execute,
    secret_evaluated,
    secret_names,
    secret_scope,
)
from workflow_runner.engine.tasks.call_http import authentication_policy


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Call the unary method; the output is the response message as JSON."""
    args = run.node.spec["with"]
    variables = ex.task_arguments(run, data)
    proto = endpoint_uri(ex.value(args["proto"], data, variables))
    service = ex.value(args["service"].get("name"), data, variables)
    host = ex.value(args["service"].get("host"), data, variables)
    port = args["service"].get("port")  # the schema makes it an integer literal
    method = ex.value(args["method"], data, variables)
    arguments, sites = secret_evaluated(
        ex, args.get("arguments") or {}, "arguments", data, variables
    )
    auth_spec = args["service"].get("authentication")
    authentication = None
    if auth_spec is not None:
        authentication, auth_sites = secret_evaluated(
            ex,
            authentication_policy(ex, auth_spec),
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
        execution_id=ex.execution_id,
        secret_names=secret_names(ex),
        secret_sites=sites,
    )
    result: GrpcResponse = await execute(
        ex, GRPC_CALL_ACTIVITY, request, GrpcResponse, title="gRPC call failed"
    )
    return Outcome(result.response, authorization=authorization(ex, run, request))
