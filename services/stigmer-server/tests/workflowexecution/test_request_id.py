"""``create`` with an ``x-request-id``: a retry returns the same execution (real Redis, gRPC)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import bearer, execution_msg, keys, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_server.workflowexecution.launcher import LauncherUnavailableError


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


class _Launcher:
    """Starts nothing; ``ready`` says whether the orchestrator is reachable."""

    def __init__(self, ready: bool) -> None:
        self.ready = ready
        self.started: list[str] = []

    def check_ready(self) -> None:
        if not self.ready:
            raise LauncherUnavailableError("Temporal at localhost:1 is not reachable yet")

    def workflow_id(self, execution_id: str) -> str:
        return f"stigmer/workflow-execution/invoke/{execution_id}"

    async def start(self, execution: wex.WorkflowExecution) -> str:
        assert execution.metadata is not None
        self.started.append(execution.metadata.id)
        return f"stigmer/workflow-execution/invoke/{execution.metadata.id}"

    async def cancel(self, execution_id: str, reason: str) -> None:
        raise NotImplementedError

    async def signal(self, execution_id: str, event: dict[str, Any]) -> None:
        raise NotImplementedError


async def test_a_retry_starts_a_stranded_execution_once_the_orchestrator_is_back(
    make_api: Any,
) -> None:
    crashed = await make_api()  # stores PENDING and starts nothing, like a crash after the write
    w = await crashed.stubs.wf.create(workflow_msg())
    request = execution_msg(workflow_id=w.metadata.id)
    stranded = await crashed.stubs.wex.create(request, metadata=rid("stranded"))

    down = await make_api(_Launcher(ready=False), prefix=crashed.prefix)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await down.stubs.wex.create(request, metadata=rid("stranded"))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    still = await down.stubs.wexq.get(wex.WorkflowExecutionId(value=stranded.metadata.id))
    assert still.status.phase == wex.ExecutionPhase.EXECUTION_PENDING  # not failed by the retry

    launcher = _Launcher(ready=True)
    up = await make_api(launcher, prefix=crashed.prefix)
    retried = await up.stubs.wex.create(request, metadata=rid("stranded"))
    assert retried.metadata.id == stranded.metadata.id
    assert launcher.started == [stranded.metadata.id]
    assert retried.status.temporal_workflow_id.endswith(stranded.metadata.id)
    # A retry while it is still PENDING starts it again: starting is idempotent per id (the
    # orchestrator attaches to the first start), so no second execution or workflow is made.
    again = await up.stubs.wex.create(request, metadata=rid("stranded"))
    assert again.metadata.id == stranded.metadata.id
    assert set(launcher.started) == {stranded.metadata.id}
