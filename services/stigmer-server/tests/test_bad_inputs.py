from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.commons import apiresource as ar

P = wex.ExecutionPhase


async def test_bad_inputs_get_right_codes_and_change_nothing(make_api: Any) -> None:
    api = await make_api(grpc_max_message_bytes=64 * 1024)
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    eid = e.metadata.id
    before = await api.snapshot()
    S = api.stubs
    huge = workflow_msg("Huge")
    huge.spec.description = "x" * 100_000
    bad_task = wex.WorkflowTask(task_id="t", status=wex.WorkflowTaskStatus(17))
    cases: list[tuple[Any, grpc.StatusCode]] = [
        (S.wf.create(wf.Workflow()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.wf.create(huge), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (S.wf.update(wf.Workflow()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.wf.apply(wf.Workflow()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.wf.delete(wf.WorkflowId()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.wf.delete(wf.WorkflowId(value="wfl-unknown")), grpc.StatusCode.NOT_FOUND),
        (S.win.create(win.WorkflowInstance()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.win.delete(win.WorkflowInstanceId(value="win-unknown")), grpc.StatusCode.NOT_FOUND),
        (S.wex.create(wex.WorkflowExecution()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.wex.create(execution_msg("x", workflow_id="wfl-unknown")), grpc.StatusCode.NOT_FOUND),
        (
            S.wex.updateStatus(wex.WorkflowExecutionUpdateStatusInput()),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            S.wex.updateStatus(wex.WorkflowExecutionUpdateStatusInput(execution_id=eid)),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            S.wex.updateStatus(
                wex.WorkflowExecutionUpdateStatusInput(
                    execution_id=eid, status=wex.WorkflowExecutionStatus(phase=P(9))
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            S.wex.updateStatus(
                wex.WorkflowExecutionUpdateStatusInput(
                    execution_id=eid, status=wex.WorkflowExecutionStatus(tasks=[bad_task])
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            S.wex.updateStatus(
                wex.WorkflowExecutionUpdateStatusInput(
                    execution_id=eid,
                    status=wex.WorkflowExecutionStatus(tasks=[wex.WorkflowTask(task_name="no id")]),
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            S.wex.updateStatus(
                wex.WorkflowExecutionUpdateStatusInput(
                    execution_id="wex-unknown",
                    status=wex.WorkflowExecutionStatus(phase=P.EXECUTION_IN_PROGRESS),
                )
            ),
            grpc.StatusCode.NOT_FOUND,
        ),
        (S.wex.delete(ar.ApiResourceId()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.wex.delete(ar.ApiResourceId(value="wex-unknown")), grpc.StatusCode.NOT_FOUND),
        (S.wex.update(wex.WorkflowExecution()), grpc.StatusCode.INVALID_ARGUMENT),
        (S.wexq.get(wex.WorkflowExecutionId(value="x" * 1000)), grpc.StatusCode.INVALID_ARGUMENT),
    ]
    for call, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == code, err.value.details()
    assert await api.snapshot() == before


async def test_store_down_is_unavailable(make_api: Any) -> None:
    api = await make_api(redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wfq.get(wf.WorkflowId(value="wfl-x"))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert err.value.details().startswith("store unavailable")
