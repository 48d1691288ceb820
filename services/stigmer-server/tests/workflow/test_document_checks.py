"""apply/create/update check the DSL document a Workflow holds, as the runner does at load."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import workflow_msg
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.commons import apiresource as ar

HEAD = "document: {dsl: '1.0.0', namespace: ns, name: checked, version: '1.0.0'}\n"
UNKNOWN_THEN = HEAD + "do:\n  - a: {set: {x: 1}, then: nowhere}\n  - b: {set: {y: 2}}\n"
BAD_JQ = HEAD + "do:\n  - a: {set: {x: '${ .a + }'}}\n"
UNDEFINED_ERROR = HEAD + "do:\n  - a: {raise: {error: missing}}\n"


def _workflow(text: str, name: str = "checked") -> wf.Workflow:
    return wf.Workflow(
        metadata=ar.ApiResourceMetadata(
            name=name, org="acme", owner_scope=ar.ApiResourceOwnerScope.organization
        ),
        spec=dsl_to_workflow_spec(text),
    )


async def _invalid(call: Any) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details: str = err.value.details()
    return details


@pytest.mark.parametrize("rpc", ["create", "apply"])
async def test_unknown_then_target_is_invalid_with_its_pointer_and_stores_nothing(
    api: Any, rpc: str
) -> None:
    before = await api.snapshot()
    details = await _invalid(getattr(api.stubs.wf, rpc)(_workflow(UNKNOWN_THEN)))
    assert details.startswith("spec: invalid workflow definition: /do/0/a/then: ")
    assert "unknown task `nowhere`" in details
    assert await api.snapshot() == before


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (BAD_JQ, "/do/0/a/set: jq syntax error in '.a +'"),
        (UNDEFINED_ERROR, "/do/0/a/raise/error: error 'missing' is not defined in use.errors"),
    ],
)
async def test_load_checks_are_made_at_create(api: Any, text: str, fragment: str) -> None:
    before = await api.snapshot()
    assert fragment in await _invalid(api.stubs.wf.create(_workflow(text)))
    assert await api.snapshot() == before


async def test_update_to_a_bad_document_keeps_the_stored_workflow(api: Any) -> None:
    created = await api.stubs.wf.create(workflow_msg("kept"))
    bad = _workflow(UNKNOWN_THEN, name="kept")
    bad.metadata.id = created.metadata.id
    before = await api.snapshot()
    assert "/do/0/a/then" in await _invalid(api.stubs.wf.update(bad))
    assert await api.snapshot() == before
    stored = await api.stubs.wfq.get(wf.WorkflowId(value=created.metadata.id))
    assert stored == created


async def test_a_good_document_is_stored(api: Any) -> None:
    text = HEAD + "do:\n  - a: {set: {x: '${ .y }'}, then: b}\n  - b: {set: {y: 2}}\n"
    created = await api.stubs.wf.create(_workflow(text, name="good"))
    assert created.metadata.id.startswith("wfl-")
