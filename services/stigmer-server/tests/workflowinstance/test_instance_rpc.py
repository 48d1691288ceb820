from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.ai.stigmer.commons.rpc import PageInfo


def instance_msg(name: str, workflow_id: str) -> win.WorkflowInstance:
    return win.WorkflowInstance(
        metadata=ar.ApiResourceMetadata(name=name, org="acme"),
        spec=win.WorkflowInstanceSpec(workflow_id=workflow_id, description="d"),
    )


async def code_of(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value.code()


async def test_crud(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg("W"))
    created = await api.stubs.win.create(instance_msg("Prod", w.metadata.id))
    assert created.metadata.id.startswith("win-") and created.kind == "WorkflowInstance"
    assert created.status.audit.spec_audit.event == "created"
    assert await api.stubs.winq.get(win.WorkflowInstanceId(value=created.metadata.id)) == created
    ref = await api.stubs.winq.getByReference(ar.ApiResourceReference(org="acme", slug="prod"))
    assert ref.metadata.id == created.metadata.id

    upd = instance_msg("Prod", w.metadata.id)
    upd.metadata.id = created.metadata.id
    upd.spec.description = "changed"
    updated = await api.stubs.win.update(upd)
    assert updated.spec.description == "changed"
    assert updated.status.audit.spec_audit.event == "updated"

    moved = instance_msg("Prod", "wfl-other")
    moved.metadata.id = created.metadata.id
    assert await code_of(api.stubs.win.update(moved)) == grpc.StatusCode.INVALID_ARGUMENT

    applied = instance_msg("Prod", w.metadata.id)
    applied.spec.description = "applied"
    assert (await api.stubs.win.apply(applied)).metadata.id == created.metadata.id
    new = await api.stubs.win.apply(instance_msg("Staging", w.metadata.id))
    assert new.metadata.id != created.metadata.id

    assert (
        await code_of(api.stubs.win.create(instance_msg("Prod", w.metadata.id)))
        == grpc.StatusCode.ALREADY_EXISTS
    )
    assert (
        await code_of(api.stubs.win.create(instance_msg("X", "wfl-nope")))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        await code_of(api.stubs.win.create(instance_msg("X", "")))
        == grpc.StatusCode.INVALID_ARGUMENT
    )

    gone = await api.stubs.win.delete(win.WorkflowInstanceId(value=created.metadata.id))
    assert gone.metadata.id == created.metadata.id
    assert (
        await code_of(api.stubs.winq.get(win.WorkflowInstanceId(value=created.metadata.id)))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        await code_of(api.stubs.win.delete(win.WorkflowInstanceId(value="win-x")))
        == grpc.StatusCode.NOT_FOUND
    )


async def test_get_by_workflow_pages_newest_first(api: Any) -> None:
    w = await api.stubs.wf.create(workflow_msg("Paged"))
    ids = [w.status.default_instance_id]
    for i in range(6):
        ids.append((await api.stubs.win.create(instance_msg(f"i{i}", w.metadata.id))).metadata.id)
    newest_first = list(reversed(ids))
    seen: list[str] = []
    token = ""
    while True:
        page = await api.stubs.winq.getByWorkflow(
            win.GetWorkflowInstancesByWorkflowRequest(
                workflow_id=w.metadata.id, page_size=3, page_token=token
            )
        )
        assert page.total_pages == 3
        seen += [e.metadata.id for e in page.entries]
        token = page.next_page_token
        if not token:
            break
    assert seen == newest_first
    legacy = await api.stubs.winq.getByWorkflow(
        win.GetWorkflowInstancesByWorkflowRequest(
            workflow_id=w.metadata.id, page_info=PageInfo(num=2, size=2)
        )
    )
    assert [e.metadata.id for e in legacy.entries] == newest_first[2:4]
    assert (
        await code_of(api.stubs.winq.getByWorkflow(win.GetWorkflowInstancesByWorkflowRequest()))
        == grpc.StatusCode.INVALID_ARGUMENT
    )
