from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from ss_helpers import workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google.protobuf import Struct
from stigmer_server.workflow.validation import MAX_TASKS


async def code_of(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value.code()


async def test_create_stamps_ids_audit_and_default_instance(api: Any) -> None:
    created = await api.stubs.wf.create(workflow_msg("Hello World"))
    md = created.metadata
    assert md.id.startswith("wfl-") and len(md.id) == 30
    assert md.slug == "hello-world"
    assert created.api_version == "agentic.stigmer.ai/v1" and created.kind == "Workflow"
    audit = created.status.audit
    assert audit.spec_audit.event == "created" and audit.spec_audit.created_by.id == "system"
    assert audit.spec_audit.created_at is not None
    instance = await api.stubs.winq.get(
        win.WorkflowInstanceId(value=created.status.default_instance_id)
    )
    assert instance.metadata.name == "Hello World-default"
    assert instance.metadata.slug == "hello-world-default"
    assert instance.spec.workflow_id == md.id
    assert await api.stubs.wfq.get(wf.WorkflowId(value=md.id)) == created


async def test_duplicate_slug_in_org_is_already_exists_other_org_ok(api: Any) -> None:
    await api.stubs.wf.create(workflow_msg("Dup"))
    assert await code_of(api.stubs.wf.create(workflow_msg("dup"))) == grpc.StatusCode.ALREADY_EXISTS
    other = await api.stubs.wf.create(workflow_msg("Dup", org="other"))
    assert other.metadata.org == "other"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda w: setattr(w, "metadata", None), "metadata: required"),
        (lambda w: setattr(w.metadata, "name", ""), "metadata.name: required"),
        (lambda w: setattr(w, "api_version", "v2"), "api_version"),
        (lambda w: setattr(w, "kind", "Agent"), "kind"),
        (lambda w: setattr(w, "spec", None), "spec: required"),
        (lambda w: setattr(w.spec, "tasks", []), "spec.tasks"),
        (lambda w: setattr(w.spec.document, "name", ""), "spec.document.name: required"),
        (lambda w: setattr(w.spec.tasks[0], "kind", ar.WorkflowTaskKind(99)), "spec.tasks[0].kind"),
        (
            lambda w: setattr(w.metadata, "owner_scope", ar.ApiResourceOwnerScope(7)),
            "metadata.owner_scope",
        ),
        (lambda w: setattr(w.metadata, "name", "x" * 300), "metadata.name"),
        (lambda w: setattr(w.metadata, "org", "acme:internal"), "metadata.org"),
        (lambda w: setattr(w.metadata, "org", "{acme}"), "metadata.org"),
        (lambda w: setattr(w.metadata, "org", "Acme"), "metadata.org"),
        (lambda w: setattr(w.metadata, "org", "a" * 64), "metadata.org"),
        (lambda w: setattr(w.metadata, "slug", "internal:payroll"), "metadata.slug"),
    ],
)
async def test_invalid_create_names_field_and_stores_nothing(
    api: Any, mutate: Any, field: str
) -> None:
    bad = workflow_msg()
    mutate(bad)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wf.create(bad)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(field)
    assert await api.snapshot() == {}


async def test_update_keeps_identity_and_status_apply_upserts(api: Any) -> None:
    created = await api.stubs.wf.create(workflow_msg("Flow"))
    change = workflow_msg("Flow")
    change.metadata.id = created.metadata.id
    change.metadata.org = "ignored"
    change.spec.description = "new"
    change.status = wf.WorkflowStatus(default_instance_id="win-bogus")
    updated = await api.stubs.wf.update(change)
    assert updated.spec.description == "new"
    assert updated.metadata.org == "acme" and updated.metadata.slug == "flow"
    assert updated.status.default_instance_id == created.status.default_instance_id
    assert updated.status.audit.spec_audit.event == "updated"
    assert updated.status.audit.spec_audit.created_at == created.status.audit.spec_audit.created_at

    applied = workflow_msg("Flow")
    applied.spec.description = "applied"
    again = await api.stubs.wf.apply(applied)
    assert again.metadata.id == created.metadata.id and again.spec.description == "applied"
    fresh = await api.stubs.wf.apply(workflow_msg("Brand New"))
    assert fresh.metadata.id != created.metadata.id and fresh.status.default_instance_id

    missing = workflow_msg("Nope")
    missing.metadata.id = "wfl-missing"
    assert await code_of(api.stubs.wf.update(missing)) == grpc.StatusCode.NOT_FOUND


async def test_concurrent_applies_of_one_new_slug_all_succeed_on_one_workflow(api: Any) -> None:
    # Each apply looks the slug up, finds nothing and creates; the losers of that race must
    # update what the winner created, not answer ALREADY_EXISTS.
    def change(n: int) -> wf.Workflow:
        applied = workflow_msg("Raced")
        applied.spec.description = f"apply {n}"
        return applied

    results = await asyncio.gather(*(api.stubs.wf.apply(change(n)) for n in range(8)))
    ids = {r.metadata.id for r in results}
    assert len(ids) == 1
    stored = await api.stubs.wfq.get(wf.WorkflowId(value=ids.pop()))
    assert stored.status.default_instance_id
    assert stored.spec.description in {f"apply {n}" for n in range(8)}


async def test_get_by_reference_and_delete(api: Any) -> None:
    created = await api.stubs.wf.create(workflow_msg("Ref Me"))
    ref = ar.ApiResourceReference(org="acme", slug="ref-me")
    assert (await api.stubs.wfq.getByReference(ref)).metadata.id == created.metadata.id
    wrong_kind = ar.ApiResourceReference(org="acme", slug="ref-me", kind=52)
    assert (
        await code_of(api.stubs.wfq.getByReference(wrong_kind)) == grpc.StatusCode.INVALID_ARGUMENT
    )
    assert (
        await code_of(api.stubs.wfq.getByReference(ar.ApiResourceReference(org="x", slug="ref-me")))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        await code_of(api.stubs.wfq.getByReference(ar.ApiResourceReference()))
        == grpc.StatusCode.INVALID_ARGUMENT
    )

    deleted = await api.stubs.wf.delete(wf.WorkflowId(value=created.metadata.id))
    assert deleted.metadata.id == created.metadata.id
    assert (
        await code_of(api.stubs.wfq.get(wf.WorkflowId(value=created.metadata.id)))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        await code_of(api.stubs.wf.delete(wf.WorkflowId(value=created.metadata.id)))
        == grpc.StatusCode.NOT_FOUND
    )
    assert await code_of(api.stubs.wfq.get(wf.WorkflowId())) == grpc.StatusCode.INVALID_ARGUMENT
    # the slug is free again
    assert (await api.stubs.wf.create(workflow_msg("Ref Me"))).metadata.id != created.metadata.id


@pytest.mark.parametrize(
    ("org", "slug", "field"),
    [
        ("acme", "internal:payroll", "slug"),
        ("acme", "{p:wfl}", "slug"),
        ("acme:internal", "x", "org"),
    ],
)
async def test_get_by_reference_rejects_key_separators(
    api: Any, org: str, slug: str, field: str
) -> None:
    await api.stubs.wf.create(workflow_msg("payroll"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wfq.getByReference(ar.ApiResourceReference(org=org, slug=slug))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(f"{field}: must match")


async def test_too_many_tasks_is_invalid_and_stores_nothing(api: Any) -> None:
    request = workflow_msg("many")
    task = wf.WorkflowTask(
        name="t", kind=ar.WorkflowTaskKind.SET, task_config=Struct.from_dict({"set": {"a": 1}})
    )
    request.spec.tasks = [task] * (MAX_TASKS + 1)
    before = await api.snapshot()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wf.create(request)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == f"spec.tasks: at most {MAX_TASKS} top-level tasks"
    assert await api.snapshot() == before
