"""``create`` with an ``x-request-id``: a retry returns the same execution (real Redis, gRPC)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import bearer, execution_msg, keys, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex


def rid(value: str, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return (("x-request-id", value), *extra)


async def all_executions(api: Any) -> list[str]:
    page = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest(page_size=50))
    return sorted(e.metadata.id for e in page.entries)


async def test_a_retried_create_returns_the_same_execution(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    request = execution_msg(workflow_id=w.metadata.id)
    first = await api.stubs.wex.create(request, metadata=rid("retry-1"))
    again = await api.stubs.wex.create(request, metadata=rid("retry-1"))
    assert again.metadata.id == first.metadata.id
    assert await all_executions(api) == [first.metadata.id]


async def test_a_request_id_reused_for_another_body_is_refused(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    first = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id), metadata=rid("r"))
    before = await api.snapshot()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wex.create(
            execution_msg("run 2", workflow_id=w.metadata.id), metadata=rid("r")
        )
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "x-request-id" in (err.value.details() or "")
    assert await api.snapshot() == before
    assert await all_executions(api) == [first.metadata.id]


async def test_without_a_request_id_a_repeat_is_a_new_create(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS  # its slug is taken


async def test_the_same_request_id_from_two_callers_names_two_requests(make_api: Any) -> None:
    api = await make_api(api_keys=keys("write:alpha,write:beta"))
    w = await api.stubs.wf.create(workflow_msg(), metadata=bearer("alpha"))
    one = await api.stubs.wex.create(
        execution_msg("one", workflow_id=w.metadata.id), metadata=rid("x", *bearer("alpha"))
    )
    two = await api.stubs.wex.create(
        execution_msg("two", workflow_id=w.metadata.id), metadata=rid("x", *bearer("beta"))
    )
    assert one.metadata.id != two.metadata.id
    same = await api.stubs.wex.create(
        execution_msg("one", workflow_id=w.metadata.id), metadata=rid("x", *bearer("alpha"))
    )
    assert same.metadata.id == one.metadata.id


@pytest.mark.parametrize("bad", ["x" * 129, "has space"])
async def test_a_malformed_request_id_is_refused_and_stores_nothing(api: Any, bad: str) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    before = await api.snapshot()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id), metadata=rid(bad))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-request-id" in (err.value.details() or "")
    assert await api.snapshot() == before
