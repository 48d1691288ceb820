from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google.protobuf import Struct
from stigmer_server.workflowexecution.launcher import (
    LauncherNotRunningError,
    LauncherUnavailableError,
)

P = wex.ExecutionPhase
T = wex.WorkflowTaskStatus


async def code_of(call: Any) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value.code(), err.value.details()


def status_input(
    eid: str, phase: wex.ExecutionPhase = P.EXECUTION_PHASE_UNSPECIFIED, **kw: Any
) -> wex.WorkflowExecutionUpdateStatusInput:
    return wex.WorkflowExecutionUpdateStatusInput(
        execution_id=eid, status=wex.WorkflowExecutionStatus(phase=phase, **kw)
    )


class FakeLauncher:
    def __init__(self, fail: BaseException | None = None, ready: bool = True) -> None:
        self.fail = fail
        self.ready = ready
        self.started: list[wex.WorkflowExecution] = []
        self.cancelled: list[tuple[str, str]] = []
        self.signals: list[tuple[str, dict[str, Any]]] = []
        self.running = True

    def check_ready(self) -> None:
        if not self.ready:
            raise LauncherUnavailableError("Temporal at localhost:1 is not reachable yet")

    def workflow_id(self, execution_id: str) -> str:
        return f"stigmer/workflow-execution/invoke/{execution_id}"

    async def start(self, execution: wex.WorkflowExecution) -> str:
        if self.fail is not None:
            raise self.fail
        self.started.append(execution)
        return f"stigmer/workflow-execution/invoke/{execution.metadata.id}"

    async def cancel(self, execution_id: str, reason: str) -> None:
        if self.fail is not None:
            raise self.fail
        self.cancelled.append((execution_id, reason))

    async def signal(self, execution_id: str, event: dict[str, Any]) -> None:
        if self.fail is not None:
            raise self.fail
        if not self.running:
            raise LauncherNotRunningError("the execution is not running yet")
        self.signals.append((execution_id, event))


async def test_create_resolves_default_instance_and_stays_pending_without_launcher(
    api: Any,
) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    assert e.metadata.id.startswith("wex-") and e.kind == "WorkflowExecution"
    assert e.spec.workflow_instance_id == w.status.default_instance_id
    assert e.spec.workflow_id == w.metadata.id
    assert e.status.phase == P.EXECUTION_PENDING
    assert e.status.temporal_workflow_id == ""
    assert e.status.audit.status_audit.event == "created"


async def test_create_with_explicit_instance(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(instance_id=w.status.default_instance_id))
    assert e.spec.workflow_id == w.metadata.id
    code, _ = await code_of(api.stubs.wex.create(execution_msg("r2", instance_id="win-nope")))
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = await code_of(api.stubs.wex.create(execution_msg("r3", workflow_id="wfl-nope")))
    assert code == grpc.StatusCode.NOT_FOUND
    code, msg = await code_of(
        api.stubs.wex.create(
            execution_msg("r4", instance_id=w.status.default_instance_id, workflow_id="wfl-other")
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and msg.startswith("spec.workflow_id")
    code, msg = await code_of(api.stubs.wex.create(execution_msg("r5")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and msg.startswith("spec.workflow_id")
    code, _ = await code_of(
        api.stubs.wex.create(execution_msg(instance_id=w.status.default_instance_id))
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS


async def test_create_recreates_a_deleted_default_instance(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    await api.stubs.win.delete(win.WorkflowInstanceId(value=w.status.default_instance_id))
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    assert (
        e.spec.workflow_instance_id and e.spec.workflow_instance_id != w.status.default_instance_id
    )


async def test_launcher_success_records_temporal_id(make_api: Any) -> None:
    launcher = FakeLauncher()
    api = await make_api(launcher)
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    assert launcher.started[0].status.phase == P.EXECUTION_PENDING
    assert launcher.started[0].metadata.id == e.metadata.id
    assert e.status.temporal_workflow_id == f"stigmer/workflow-execution/invoke/{e.metadata.id}"
    assert e.status.phase == P.EXECUTION_PENDING

    cancelled = await api.stubs.wex.cancel(
        wex.WorkflowExecutionCancelInput(execution_id=e.metadata.id, reason="user")
    )
    assert cancelled.metadata.id == e.metadata.id
    assert launcher.cancelled == [(e.metadata.id, "user")]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (LauncherUnavailableError("connection refused"), grpc.StatusCode.UNAVAILABLE),
        (RuntimeError("bad memo"), grpc.StatusCode.INTERNAL),
    ],
)
async def test_launcher_failure_marks_failed(
    make_api: Any, error: Exception, code: grpc.StatusCode
) -> None:
    api = await make_api(FakeLauncher(fail=error))
    w = await api.stubs.wf.create(workflow_msg())
    got, msg = await code_of(api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id)))
    assert got == code
    assert msg == f"failed to start workflow execution: {error}"
    page = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest())
    [stored] = page.entries
    assert stored.status.phase == P.EXECUTION_FAILED
    assert stored.status.error == f"failed to start workflow execution: {error}"
    assert stored.status.completed_at


async def test_unreachable_orchestrator_stores_nothing(make_api: Any) -> None:
    api = await make_api(FakeLauncher(ready=False))
    w = await api.stubs.wf.create(workflow_msg())
    got, msg = await code_of(api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id)))
    assert got == grpc.StatusCode.UNAVAILABLE
    assert "not reachable yet" in msg
    page = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest())
    assert page.entries == []


async def test_cancel_paths(api: Any, make_api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    cancel = wex.WorkflowExecutionCancelInput(execution_id=e.metadata.id)
    assert (await code_of(api.stubs.wex.cancel(cancel)))[0] == grpc.StatusCode.UNAVAILABLE
    assert (
        await code_of(
            api.stubs.wex.cancel(wex.WorkflowExecutionCancelInput(execution_id="wex-nope"))
        )
    )[0] == grpc.StatusCode.NOT_FOUND
    assert (await code_of(api.stubs.wex.cancel(wex.WorkflowExecutionCancelInput())))[0] == (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    await api.stubs.wex.updateStatus(status_input(e.metadata.id, P.EXECUTION_CANCELLED))
    assert (await code_of(api.stubs.wex.cancel(cancel)))[0] == grpc.StatusCode.FAILED_PRECONDITION
    # Same store, a server whose orchestrator is down: cancel of a live execution -> UNAVAILABLE.
    down = await make_api(FakeLauncher(fail=LauncherUnavailableError("down")), prefix=api.prefix)
    live = await api.stubs.wex.create(execution_msg("live", workflow_id=w.metadata.id))
    code, msg = await code_of(
        down.stubs.wex.cancel(wex.WorkflowExecutionCancelInput(execution_id=live.metadata.id))
    )
    assert code == grpc.StatusCode.UNAVAILABLE and "down" in msg


async def test_update_status_merges_and_audits(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    eid = e.metadata.id
    r1 = await api.stubs.wex.updateStatus(
        status_input(
            eid,
            P.EXECUTION_IN_PROGRESS,
            tasks=[
                wex.WorkflowTask(
                    task_id="/do/0/a", task_name="a", status=T.WORKFLOW_TASK_IN_PROGRESS
                )
            ],
        )
    )
    assert r1.status.started_at and r1.status.audit.status_audit.event == "updated"
    assert r1.status.audit.status_audit.created_at == e.status.audit.status_audit.created_at
    r2 = await api.stubs.wex.updateStatus(
        status_input(
            eid, tasks=[wex.WorkflowTask(task_id="/do/1/b", status=T.WORKFLOW_TASK_COMPLETED)]
        )
    )
    assert [t.task_id for t in r2.status.tasks] == ["/do/0/a", "/do/1/b"]
    r3 = await api.stubs.wex.updateStatus(
        status_input(
            eid,
            P.EXECUTION_COMPLETED,
            output=Struct.from_dict({"answer": 42}),
            temporal_workflow_id="twid",
        )
    )
    assert r3.status.output.to_dict() == {"answer": 42} and r3.status.completed_at
    assert r3.status.temporal_workflow_id == "twid" and len(r3.status.tasks) == 2
    code, msg = await code_of(
        api.stubs.wex.updateStatus(status_input(eid, P.EXECUTION_IN_PROGRESS))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "EXECUTION_COMPLETED" in msg
    again = await api.stubs.wex.updateStatus(status_input(eid, P.EXECUTION_COMPLETED))
    assert again.status.completed_at == r3.status.completed_at
    got = await api.stubs.wexq.get(wex.WorkflowExecutionId(value=eid))
    assert got.status == again.status


@pytest.mark.parametrize(
    "final", [P.EXECUTION_COMPLETED, P.EXECUTION_FAILED, P.EXECUTION_CANCELLED]
)
async def test_update_status_never_changes_a_terminal_execution(
    api: Any, final: wex.ExecutionPhase
) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    eid = e.metadata.id
    row = wex.WorkflowTask(task_id="/do/0/a", status=T.WORKFLOW_TASK_COMPLETED)
    await api.stubs.wex.updateStatus(status_input(eid, P.EXECUTION_IN_PROGRESS, tasks=[row]))
    done = await api.stubs.wex.updateStatus(status_input(eid, final, error="the end"))
    forged = wex.WorkflowTask(task_id="/do/9/forged", status=T.WORKFLOW_TASK_FAILED)
    for update in (
        status_input(eid, tasks=[forged]),  # a late or forged progress write
        status_input(eid, output=Struct.from_dict({"forged": True})),
        status_input(eid, P.EXECUTION_IN_PROGRESS, tasks=[forged]),
    ):
        code, msg = await code_of(api.stubs.wex.updateStatus(update))
        assert code == grpc.StatusCode.FAILED_PRECONDITION and final.name in msg
    # Repeating the terminal phase is an idempotent no-op, whatever else it carries.
    again = await api.stubs.wex.updateStatus(status_input(eid, final, tasks=[forged], error="x"))
    got = await api.stubs.wexq.get(wex.WorkflowExecutionId(value=eid))
    assert got.status == done.status == again.status
    assert [t.task_id for t in got.status.tasks] == ["/do/0/a"] and got.status.error == "the end"


async def test_update_keeps_status_and_workflow_binding(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    await api.stubs.wex.updateStatus(status_input(e.metadata.id, P.EXECUTION_IN_PROGRESS))
    req = execution_msg(workflow_id=w.metadata.id)
    req.metadata.id = e.metadata.id
    req.spec.trigger_message = "changed"
    req.status = wex.WorkflowExecutionStatus(phase=P.EXECUTION_FAILED)
    u = await api.stubs.wex.update(req)
    assert u.spec.trigger_message == "changed"
    assert u.status.phase == P.EXECUTION_IN_PROGRESS
    assert u.spec.workflow_instance_id == e.spec.workflow_instance_id
    assert u.status.audit.spec_audit.event == "updated"
    req.spec.workflow_id = "wfl-other"
    assert (await code_of(api.stubs.wex.update(req)))[0] == grpc.StatusCode.INVALID_ARGUMENT
    req.metadata.id = "wex-nope"
    req.spec.workflow_id = ""
    assert (await code_of(api.stubs.wex.update(req)))[0] == grpc.StatusCode.NOT_FOUND


async def test_delete_returns_resource_and_cleans_indexes(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    before = await api.snapshot()
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    deleted = await api.stubs.wex.delete(ar.ApiResourceId(value=e.metadata.id))
    assert deleted.metadata.id == e.metadata.id
    after = {k: v for k, v in (await api.snapshot()).items() if b":e:" not in k}
    assert after == before
    assert (await code_of(api.stubs.wex.delete(ar.ApiResourceId(value=e.metadata.id))))[0] == (
        grpc.StatusCode.NOT_FOUND
    )
    assert (await code_of(api.stubs.wexq.get(wex.WorkflowExecutionId(value=e.metadata.id))))[0] == (
        grpc.StatusCode.NOT_FOUND
    )


async def test_concurrent_update_status_loses_nothing(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    eid = e.metadata.id

    async def report(i: int) -> None:
        await api.stubs.wex.updateStatus(
            status_input(
                eid,
                P.EXECUTION_IN_PROGRESS,
                tasks=[wex.WorkflowTask(task_id=f"t{i}", status=T.WORKFLOW_TASK_COMPLETED)],
            )
        )

    await asyncio.gather(*(report(i) for i in range(20)))
    got = await api.stubs.wexq.get(wex.WorkflowExecutionId(value=eid))
    assert sorted(t.task_id for t in got.status.tasks) == sorted(f"t{i}" for i in range(20))
    assert all(t.status == T.WORKFLOW_TASK_COMPLETED for t in got.status.tasks)
    assert got.status.phase == P.EXECUTION_IN_PROGRESS


async def test_signal_paths(api: Any, make_api: Any) -> None:
    launcher = FakeLauncher()
    live = await make_api(launcher)
    w = await live.stubs.wf.create(workflow_msg())
    e = await live.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    event = {"type": "com.example.approval", "data": {"approved": True}}

    def signal(execution_id: str, body: dict[str, Any]) -> wex.WorkflowExecutionSignalInput:
        return wex.WorkflowExecutionSignalInput(
            execution_id=execution_id, event=Struct.from_dict(body)
        )

    got = await live.stubs.wex.signal(signal(e.metadata.id, event))
    assert got.metadata.id == e.metadata.id
    assert launcher.signals == [(e.metadata.id, event)]
    code, msg = await code_of(live.stubs.wex.signal(signal(e.metadata.id, {"data": 1})))
    assert (code, msg) == (grpc.StatusCode.INVALID_ARGUMENT, "event.type: required")
    assert (await code_of(live.stubs.wex.signal(signal("wex-nope", event))))[
        0
    ] == grpc.StatusCode.NOT_FOUND
    launcher.running = False
    code, msg = await code_of(live.stubs.wex.signal(signal(e.metadata.id, event)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "not running" in msg
    await live.stubs.wex.updateStatus(status_input(e.metadata.id, P.EXECUTION_COMPLETED))
    code, _ = await code_of(live.stubs.wex.signal(signal(e.metadata.id, event)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert len(launcher.signals) == 1
    # API-only server: no orchestrator to deliver it.
    w2 = await api.stubs.wf.create(workflow_msg("other"))
    e2 = await api.stubs.wex.create(execution_msg(workflow_id=w2.metadata.id))
    assert (await code_of(api.stubs.wex.signal(signal(e2.metadata.id, event))))[
        0
    ] == grpc.StatusCode.UNAVAILABLE
