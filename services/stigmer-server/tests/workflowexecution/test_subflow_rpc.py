"""``createSubflow`` (ADR 0036): resolution in the parent's org, idempotence, links, depth."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google.protobuf import Struct

P = wex.ExecutionPhase


async def _code(call: Any) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value.code(), err.value.details()


def _request(parent_id: str, call_id: str = "c1", name: str = "hello") -> Any:
    return wex.WorkflowExecutionCreateSubflowInput(
        parent_execution_id=parent_id,
        parent_task_id="/do/0/child",
        namespace="ns",
        name=name,
        version="1.0.0",
        input=Struct.from_dict({"n": 1}),
        call_id=call_id,
    )


async def _parent(api: Any, org: str = "acme") -> str:
    workflow = await api.stubs.wf.create(workflow_msg("Parent Flow", org=org))
    parent = await api.stubs.wex.create(execution_msg(workflow_id=workflow.metadata.id, org=org))
    return str(parent.metadata.id)


async def test_a_subflow_is_the_workflow_of_the_parents_org_with_that_document(api: Any) -> None:
    parent_id = await _parent(api)
    # Parent Flow has the document ns/hello:1.0.0 too: the newest of the org is the one.
    ours = await api.stubs.wf.create(workflow_msg("Child", org="acme"))
    await api.stubs.wf.create(workflow_msg("Newer elsewhere", org="other"))

    child = await api.stubs.wex.createSubflow(_request(parent_id))

    assert child.metadata.org == "acme"
    assert child.spec.workflow_id == ours.metadata.id
    assert child.spec.parent_execution_id == parent_id
    assert child.spec.parent_task_id == "/do/0/child"
    assert child.spec.input.to_dict() == {"n": 1}
    assert child.status.phase == P.EXECUTION_PENDING
    assert child.status.temporal_workflow_id == f"workflow-exec-{child.metadata.id}"


async def test_a_retried_call_returns_the_first_subflow_and_another_call_makes_another(
    api: Any,
) -> None:
    await api.stubs.wf.create(workflow_msg("Child"))
    parent_id = await _parent(api)

    first = await api.stubs.wex.createSubflow(_request(parent_id, "c1"))
    again = await api.stubs.wex.createSubflow(_request(parent_id, "c1"))
    other = await api.stubs.wex.createSubflow(_request(parent_id, "c2"))

    assert again.metadata.id == first.metadata.id
    assert other.metadata.id != first.metadata.id


async def test_an_unknown_document_or_a_foreign_org_is_not_found(api: Any) -> None:
    await api.stubs.wf.create(workflow_msg("Elsewhere", org="other"))
    parent_id = await _parent(api, org="third")

    code, details = await _code(api.stubs.wex.createSubflow(_request(parent_id, name="nothing")))

    assert code == grpc.StatusCode.NOT_FOUND
    assert "ns/nothing:1.0.0" in details and "'third'" in details


async def test_an_ended_parent_starts_no_subflow(api: Any) -> None:
    parent_id = await _parent(api)
    await api.stubs.wex.updateStatus(
        wex.WorkflowExecutionUpdateStatusInput(
            execution_id=parent_id, status=wex.WorkflowExecutionStatus(phase=P.EXECUTION_FAILED)
        )
    )

    code, _ = await _code(api.stubs.wex.createSubflow(_request(parent_id)))

    assert code == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_client_may_not_link_an_execution_to_a_parent(api: Any) -> None:
    workflow = await api.stubs.wf.create(workflow_msg())
    request = execution_msg(workflow_id=workflow.metadata.id)
    request.spec.parent_execution_id = "wex-someone-elses"

    code, details = await _code(api.stubs.wex.create(request))

    assert code == grpc.StatusCode.INVALID_ARGUMENT and "spec.parent_execution_id" in details


async def test_subflows_nest_to_the_depth_limit_and_no_deeper(make_api: Any) -> None:
    api = await make_api(subflow_max_depth=2)
    parent_id = await _parent(api)
    level1 = await api.stubs.wex.createSubflow(_request(parent_id))
    level2 = await api.stubs.wex.createSubflow(_request(level1.metadata.id))

    code, details = await _code(api.stubs.wex.createSubflow(_request(level2.metadata.id)))

    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "subflow depth limit 2 reached (a cycle: the document calls itself)" in details
    assert "ns/hello:1.0.0 -> ns/hello:1.0.0 -> ns/hello:1.0.0" in details
