"""Bearer API-key authentication: every API call needs a key, health does not."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ss_helpers import bearer, keys, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

KEY = "k-" + "x" * 30


async def test_calls_without_a_valid_key_are_rejected_and_change_nothing(make_api: Any) -> None:
    api = await make_api(api_keys=keys(f"{KEY},other"))
    before = await api.snapshot()
    for metadata in ((), bearer("wrong"), (("authorization", KEY),), bearer(f"admin:{KEY}")):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await api.stubs.wf.create(workflow_msg(), metadata=metadata)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert err.value.details() == "missing or invalid API key"
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id="wex-x"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in stream:
            pass
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await api.snapshot() == before


async def test_a_valid_bare_key_is_an_admin_key(make_api: Any) -> None:
    api = await make_api(api_keys=keys(f"other,{KEY}"))
    created = await api.stubs.wf.create(workflow_msg(), metadata=bearer(KEY))
    got = await api.stubs.wfq.get(wf.WorkflowId(value=created.metadata.id), metadata=bearer(KEY))
    assert got.metadata.id == created.metadata.id


async def test_health_needs_no_key(make_api: Any) -> None:
    api = await make_api(api_keys=keys(KEY))
    reply = await health_pb2_grpc.HealthStub(api.stubs.channel).Check(
        health_pb2.HealthCheckRequest()
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
