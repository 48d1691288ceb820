"""The per-key cap of live ``subscribe`` streams (real gRPC and Redis)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import bearer, execution_msg, keys, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex


async def test_one_key_cannot_take_every_subscription(make_api: Any) -> None:
    api = await make_api(
        max_subscriptions_per_key=2,
        api_keys=keys("write:alpha,read:beta"),
    )
    w = await api.stubs.wf.create(workflow_msg(), metadata=bearer("alpha"))
    e = await api.stubs.wex.create(
        execution_msg(workflow_id=w.metadata.id), metadata=bearer("alpha")
    )
    request = wex.SubscribeWorkflowExecutionRequest(execution_id=e.metadata.id)
    held = [api.stubs.wexq.subscribe(request, metadata=bearer("alpha")) for _ in range(2)]
    for stream in held:
        assert (await stream.read()).metadata.id == e.metadata.id
    over = api.stubs.wexq.subscribe(request, metadata=bearer("alpha"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await over.read()
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "per key" in (err.value.details() or "")
    other = api.stubs.wexq.subscribe(request, metadata=bearer("beta"))
    assert (await other.read()).metadata.id == e.metadata.id  # another key still gets one
    for stream in (*held, other):
        stream.cancel()
