from __future__ import annotations

from typing import Any

from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex_pkg
from stigmer_server.server import SERVICE_NAMES


async def test_method_paths_are_stigmers(api: Any) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(api.stubs.channel)

    async def ask(**kw: Any) -> Any:
        call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(**kw)]))
        async for response in call:
            return response
        raise AssertionError("no reflection response")

    listed = await ask(list_services="")
    names = {s.name for s in listed.list_services_response.service}
    assert {
        "ai.stigmer.agentic.workflow.v1.WorkflowCommandController",
        "ai.stigmer.agentic.workflow.v1.WorkflowQueryController",
        "ai.stigmer.agentic.workflow.v1.WorkflowScheduleController",
        "ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceCommandController",
        "ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceQueryController",
        "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController",
        "ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController",
        "grpc.health.v1.Health",
    } <= names
    found = await ask(
        file_containing_symbol="ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController"
    )
    assert found.file_descriptor_response.file_descriptor_proto

    fd = wex_pkg.AI_STIGMER_AGENTIC_WORKFLOWEXECUTION_V1_COMMAND_PROTO_DESCRIPTOR
    svc = fd.services_by_name["WorkflowExecutionCommandController"]
    paths = {f"/{svc.full_name}/{m.name}" for m in svc.methods}
    assert (
        "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/updateStatus"
        in paths
    )
    assert {p.rsplit("/", 1)[1] for p in paths} == {
        "create",
        "update",
        "updateStatus",
        "delete",
        "cancel",
        "signal",
        "terminate",
        "rerun",
        "publish",
        "pause",
        "resume",
        "uploadInput",
        "createSubflow",
    }
    # The route the server answers is exactly that path (an unknown one would be UNIMPLEMENTED).
    call = api.stubs.channel.unary_unary(
        "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/listByWorkflow",
        request_serializer=bytes,
        response_deserializer=lambda b: b,
    )
    assert await call(b"\n\x05wfl-x") == b""
    assert len(SERVICE_NAMES) == 7


async def test_health_serving_then_not_serving_on_stop(make_api: Any) -> None:
    api = await make_api()
    stub = health_pb2_grpc.HealthStub(api.stubs.channel)
    for name in ("", *SERVICE_NAMES):
        r = await stub.Check(health_pb2.HealthCheckRequest(service=name))
        assert r.status == health_pb2.HealthCheckResponse.SERVING
    await api.server.health.enter_graceful_shutdown()
    r = await stub.Check(health_pb2.HealthCheckRequest())
    assert r.status == health_pb2.HealthCheckResponse.NOT_SERVING
