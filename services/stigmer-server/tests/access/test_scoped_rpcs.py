"""Each scope calls exactly its RPCs; a runner key only touches executions in flight.

A real server (API-only: executions stay PENDING, i.e. in flight, until the test ends them
through the service layer) over real Redis, called over loopback gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from ss_helpers import bearer, execution_msg, keys, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_server.access.api_keys import Scope
from stigmer_server.access.rpc_scopes import RPC_ACCESS

Phase = wex.ExecutionPhase
KEYS = {
    Scope.ADMIN: "adm-0123456789",
    Scope.WRITE: "wri-0123456789",
    Scope.READ: "rea-0123456789",
    Scope.RUNNER: "run-0123456789",
}
ALL_KEYS = keys(",".join(f"{scope.value}:{key}" for scope, key in KEYS.items()))


def _as(scope: Scope) -> tuple[tuple[str, str], ...]:
    return bearer(KEYS[scope])


async def _call_raw(channel: grpc.aio.Channel, method: str, streaming: bool, scope: Scope) -> Any:
    """Call ``method`` with an empty request; return the status code."""
    try:
        if streaming:
            async for _ in channel.unary_stream(method)(b"", metadata=_as(scope), timeout=10):
                pass
        else:
            await channel.unary_unary(method)(b"", metadata=_as(scope), timeout=10)
    except grpc.aio.AioRpcError as err:
        return err
    return None


@pytest.mark.parametrize("scope", list(Scope), ids=[s.value for s in Scope])
async def test_each_scope_reaches_exactly_the_rpcs_the_table_gives_it(
    make_api: Any, scope: Scope
) -> None:
    api = await make_api(api_keys=ALL_KEYS)
    before = await api.snapshot()
    for method, access in RPC_ACCESS.items():
        streaming = method.endswith("/subscribe")
        err = await _call_raw(api.stubs.channel, method, streaming, scope)
        code = None if err is None else err.code()
        if scope in access.scopes:
            # Reached the service: an empty request is invalid or finds nothing (or lists).
            assert code in (None, grpc.StatusCode.INVALID_ARGUMENT), (method, code)
        else:
            assert code == grpc.StatusCode.PERMISSION_DENIED, (method, code)
            assert err.details() == f"a {scope.value!r} key may not call {method}"
    assert await api.snapshot() == before


@dataclass
class World:
    """Workflows and executions in every state a runner check tells apart."""

    api: Any
    running_wf: str  # has an execution in flight
    running_instance: str
    running: str  # the execution in flight (PENDING)
    ended_wf: str  # its only execution completed
    ended: str
    idle_wf: str  # no execution at all
    idle_instance: str


async def _world(make_api: Any) -> World:
    api = await make_api(api_keys=ALL_KEYS)
    admin = _as(Scope.ADMIN)
    ids = []
    for name in ("running", "ended", "idle"):
        created = await api.stubs.wf.create(workflow_msg(name=name), metadata=admin)
        ids.append(created.metadata.id)
    running_wf, ended_wf, idle_wf = ids
    running = await api.stubs.wex.create(
        execution_msg("running", workflow_id=running_wf), metadata=admin
    )
    ended = await api.stubs.wex.create(execution_msg("ended", workflow_id=ended_wf), metadata=admin)
    await api.server.services.executions.update_status(
        ended.metadata.id, wex.WorkflowExecutionStatus(phase=Phase.EXECUTION_COMPLETED)
    )
    idle_instance = await api.stubs.win.create(
        win.WorkflowInstance(
            metadata=ar.ApiResourceMetadata(
                name="idle-instance", org="acme", owner_scope=ar.ApiResourceOwnerScope.organization
            ),
            spec=win.WorkflowInstanceSpec(workflow_id=idle_wf),
        ),
        metadata=admin,
    )
    return World(
        api,
        running_wf,
        running.spec.workflow_instance_id,
        running.metadata.id,
        ended_wf,
        ended.metadata.id,
        idle_wf,
        idle_instance.metadata.id,
    )


def _progress(execution_id: str) -> wex.WorkflowExecutionUpdateStatusInput:
    row = wex.WorkflowTask(
        task_id="/do/0/greet", status=wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED
    )
    return wex.WorkflowExecutionUpdateStatusInput(
        execution_id=execution_id,
        status=wex.WorkflowExecutionStatus(phase=Phase.EXECUTION_IN_PROGRESS, tasks=[row]),
    )


def _secrets(execution_id: str, of: str | None = None) -> wex.GetWorkflowExecutionSecretsRequest:
    return wex.GetWorkflowExecutionSecretsRequest(
        execution_id=execution_id, runner_workflow_id=interpreter_workflow_id(of or execution_id)
    )


def _subflow(parent_id: str) -> wex.WorkflowExecutionCreateSubflowInput:
    return wex.WorkflowExecutionCreateSubflowInput(
        parent_execution_id=parent_id,
        parent_task_id="/do/0/child",
        namespace="ns",
        name="hello",
        version="1.0.0",
        call_id="c1",
    )


async def test_a_runner_key_works_on_an_execution_in_flight(make_api: Any) -> None:
    w = await _world(make_api)
    s, runner = w.api.stubs, _as(Scope.RUNNER)
    assert (await s.wfq.get(wf.WorkflowId(value=w.running_wf), metadata=runner)).spec.tasks
    instance = await s.winq.get(win.WorkflowInstanceId(value=w.running_instance), metadata=runner)
    assert instance.spec.workflow_id == w.running_wf
    got = await s.wexq.get(wex.WorkflowExecutionId(value=w.running), metadata=runner)
    assert got.status.phase == Phase.EXECUTION_PENDING
    assert (await s.wexq.getSecrets(_secrets(w.running), metadata=runner)).values == {}
    updated = await s.wex.updateStatus(_progress(w.running), metadata=runner)
    assert updated.status.phase == Phase.EXECUTION_IN_PROGRESS
    assert [t.task_id for t in updated.status.tasks] == ["/do/0/greet"]
    child = await s.wex.createSubflow(_subflow(w.running), metadata=runner)
    assert child.spec.parent_execution_id == w.running


async def test_a_runner_key_is_refused_everything_not_in_flight_and_nothing_changes(
    make_api: Any,
) -> None:
    w = await _world(make_api)
    s, runner = w.api.stubs, _as(Scope.RUNNER)
    before = await w.api.snapshot()
    refused = [
        (s.wex.updateStatus, _progress(w.ended), "execution_id", w.ended),
        (s.wexq.getSecrets, _secrets(w.ended), "execution_id", w.ended),
        (s.wexq.get, wex.WorkflowExecutionId(value=w.ended), "value", w.ended),
        (s.wex.createSubflow, _subflow(w.ended), "parent_execution_id", w.ended),
        (s.wfq.get, wf.WorkflowId(value=w.ended_wf), "value", w.ended_wf),
        (s.wfq.get, wf.WorkflowId(value=w.idle_wf), "value", w.idle_wf),
        (s.winq.get, win.WorkflowInstanceId(value=w.idle_instance), "value", w.idle_instance),
    ]
    for call, request, field, resource in refused:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(request, metadata=runner)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED, resource
        details = err.value.details()
        assert details.startswith("a 'runner' key may call /ai.stigmer."), details
        assert f"{field} {resource!r} is not" in details
        assert KEYS[Scope.RUNNER] not in details
    # Another execution's secrets, asked for as the running one's interpreter workflow.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await s.wexq.getSecrets(_secrets(w.running, of=w.ended), metadata=runner)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for call, request in (
        (s.wf.apply, workflow_msg(name="new")),
        (s.wf.delete, wf.WorkflowId(value=w.running_wf)),
        (s.wex.create, execution_msg("another", workflow_id=w.running_wf)),
        (s.wex.cancel, wex.WorkflowExecutionCancelInput(execution_id=w.running)),
        (s.wexq.list, wex.ListWorkflowExecutionsRequest()),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(request, metadata=runner)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert await w.api.snapshot() == before
    # Unknown ids reach the service: a runner drops the progress of a deleted execution.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await s.wex.updateStatus(_progress("wex-gone"), metadata=runner)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_other_scopes_keep_the_state_errors_of_an_ended_execution(make_api: Any) -> None:
    w = await _world(make_api)
    s, admin = w.api.stubs, _as(Scope.ADMIN)
    for call, request in (
        (s.wex.updateStatus, _progress(w.ended)),
        (s.wexq.getSecrets, _secrets(w.ended)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(request, metadata=admin)
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    got = await s.wexq.get(wex.WorkflowExecutionId(value=w.ended), metadata=_as(Scope.READ))
    assert got.status.phase == Phase.EXECUTION_COMPLETED


async def test_a_read_key_reads_and_cannot_write(make_api: Any) -> None:
    w = await _world(make_api)
    s, read = w.api.stubs, _as(Scope.READ)
    before = await w.api.snapshot()
    listed = await s.wexq.listByWorkflow(
        wex.ListWorkflowExecutionsByWorkflowRequest(workflow_id=w.running_wf), metadata=read
    )
    assert [e.metadata.id for e in listed.entries] == [w.running]
    for call, request in (
        (s.wf.apply, workflow_msg(name="new")),
        (s.wf.delete, wf.WorkflowId(value=w.idle_wf)),
        (s.wex.create, execution_msg("another", workflow_id=w.running_wf)),
        (s.wex.cancel, wex.WorkflowExecutionCancelInput(execution_id=w.running)),
        (s.wex.updateStatus, _progress(w.running)),
        (s.wexq.getSecrets, _secrets(w.running)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(request, metadata=read)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert err.value.details().startswith("a 'read' key may not call /ai.stigmer.")
    assert await w.api.snapshot() == before


async def test_a_write_key_applies_and_runs_but_reports_no_status(make_api: Any) -> None:
    w = await _world(make_api)
    s, write = w.api.stubs, _as(Scope.WRITE)
    applied = await s.wf.apply(workflow_msg(name="by-write"), metadata=write)
    created = await s.wex.create(
        execution_msg("by-write", workflow_id=applied.metadata.id), metadata=write
    )
    assert created.status.phase == Phase.EXECUTION_PENDING
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await s.wex.updateStatus(_progress(created.metadata.id), metadata=write)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    deleted = await s.wex.delete(ar.ApiResourceId(value=created.metadata.id), metadata=write)
    assert deleted.metadata.id == created.metadata.id
