from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.store.pagination import MAX_PAGE_SIZE

P = wex.ExecutionPhase


async def test_pagination_across_250_executions(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    other = await api.stubs.wf.create(workflow_msg("Other"))
    ids = []
    for i in range(250):
        wid = w.metadata.id if i % 5 else other.metadata.id
        e = await api.stubs.wex.create(
            execution_msg(f"run {i}", workflow_id=wid, tags=["even"] if i % 2 == 0 else ["odd"])
        )
        ids.append(e.metadata.id)
        if i % 10 == 0:
            await api.stubs.wex.updateStatus(
                wex.WorkflowExecutionUpdateStatusInput(
                    execution_id=e.metadata.id,
                    status=wex.WorkflowExecutionStatus(phase=P.EXECUTION_IN_PROGRESS),
                )
            )
    newest_first = list(reversed(ids))

    async def collect(**req: Any) -> tuple[list[str], list[int]]:
        out: list[str] = []
        sizes: list[int] = []
        token = ""
        while True:
            page = await api.stubs.wexq.list(
                wex.ListWorkflowExecutionsRequest(page_token=token, **req)
            )
            out += [e.metadata.id for e in page.entries]
            sizes.append(len(page.entries))
            token = page.next_page_token
            if not token:
                return out, sizes

    got, sizes = await collect(page_size=40)
    assert got == newest_first and sizes == [40] * 6 + [10]
    first = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest())
    assert len(first.entries) == 50 and first.total_pages == 5
    big = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest(page_size=1000))
    assert len(big.entries) == MAX_PAGE_SIZE and big.total_pages == 3

    in_progress, _ = await collect(phase=P.EXECUTION_IN_PROGRESS)
    assert in_progress == [i for n, i in enumerate(ids) if n % 10 == 0][::-1]
    pending = await api.stubs.wexq.list(
        wex.ListWorkflowExecutionsRequest(phase=P.EXECUTION_PENDING, page_size=100)
    )
    assert pending.total_pages == 3 and len(pending.entries) == 100

    even, _ = await collect(tags=["even"], page_size=30)
    assert even == [i for n, i in enumerate(ids) if n % 2 == 0][::-1]
    none, _ = await collect(tags=["even", "odd"])
    assert none == []

    by_wf: list[str] = []
    token = ""
    while True:
        page = await api.stubs.wexq.listByWorkflow(
            wex.ListWorkflowExecutionsByWorkflowRequest(
                workflow_id=other.metadata.id, page_size=7, page_token=token
            )
        )
        by_wf += [e.metadata.id for e in page.entries]
        token = page.next_page_token
        if not token:
            break
    assert by_wf == [i for n, i in enumerate(ids) if n % 5 == 0][::-1]
    by_wf_phase = await api.stubs.wexq.listByWorkflow(
        wex.ListWorkflowExecutionsByWorkflowRequest(
            workflow_id=other.metadata.id, phase=P.EXECUTION_IN_PROGRESS, page_size=100
        )
    )
    assert [e.metadata.id for e in by_wf_phase.entries] == [
        i for n, i in enumerate(ids) if n % 10 == 0
    ][::-1]

    # page cost: a page reads page_size records, not the whole kind
    store = api.server.store
    calls: list[int] = []
    real = store.scan_index

    async def counting(kind: Any, index: str, after: Any, count: int) -> Any:
        calls.append(count)
        return await real(kind, index, after, count)

    store.scan_index = counting  # type: ignore[method-assign]
    try:
        await api.server.services.executions.list(wex.ListWorkflowExecutionsRequest(page_size=10))
    finally:
        store.scan_index = real  # type: ignore[method-assign]
    assert sum(calls) <= 11
    assert await store.count_index(WORKFLOW_EXECUTION, "all") == 250


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (wex.ListWorkflowExecutionsRequest(page_size=-1), "page_size"),
        (wex.ListWorkflowExecutionsRequest(page_token="garbage!"), "page_token"),
        (wex.ListWorkflowExecutionsRequest(phase=P(42)), "phase"),
        (wex.ListWorkflowExecutionsRequest(tags=[""]), "tags"),
    ],
)
async def test_bad_list_requests(api: Any, request_: Any, field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wexq.list(request_)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(field)


async def test_token_from_another_query_is_rejected(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    for i in range(3):
        await api.stubs.wex.create(execution_msg(f"r{i}", workflow_id=w.metadata.id))
    page = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest(page_size=1))
    assert page.next_page_token
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wexq.list(
            wex.ListWorkflowExecutionsRequest(
                page_size=1, phase=P.EXECUTION_PENDING, page_token=page.next_page_token
            )
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wexq.listByWorkflow(wex.ListWorkflowExecutionsByWorkflowRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_pages_of_large_executions_stay_readable_by_a_default_client(api: Any) -> None:
    """Executions as large as create accepts exceed gRPC's 4 MiB receive limit together, not
    page by page."""
    w = await api.stubs.wf.create(workflow_msg())
    size = limits.MAX_EXECUTION_SPEC_BYTES - 8192
    ids = []
    for i in range(limits.MAX_PAGE_BYTES // size + 2):
        msg = execution_msg(f"big {i}", workflow_id=w.metadata.id)
        msg.spec.trigger_message = str(i) * size
        ids.append((await api.stubs.wex.create(msg)).metadata.id)
    for list_call, request in [
        (api.stubs.wexq.list, wex.ListWorkflowExecutionsRequest),
        (
            api.stubs.wexq.listByWorkflow,
            lambda **kw: wex.ListWorkflowExecutionsByWorkflowRequest(
                workflow_id=w.metadata.id, **kw
            ),
        ),
    ]:
        got: list[list[str]] = []
        token = ""
        while True:
            page = await list_call(request(page_size=10, page_token=token))
            assert len(bytes(page)) <= limits.MAX_PAGE_BYTES + 4096  # the list's own framing
            got.append([e.metadata.id for e in page.entries])
            token = page.next_page_token
            if not token:
                break
        assert len(got) > 1 and all(got)  # the byte budget, not the page size, ends a page
        assert [i for page in got for i in page] == ids[::-1]
