"""An execution runs the revision of its Workflow it was created with."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry

from .conftest import Services, doc

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase


def _revision(name: str, value: int) -> dict[str, Any]:
    return doc(name, [{"mark": {"set": {"revision": value}}}])


async def test_a_workflow_reapplied_while_an_execution_is_pending_runs_the_old_revision(
    services: Services,
) -> None:
    services.stop_runner()  # nothing picks the execution up: it stays PENDING
    name = f"pinned-{uuid.uuid4().hex[:6]}"
    workflow_id = await services.apply(_revision(name, 1), unique=False)
    pinned = await services.create(workflow_id)
    assert (await services.get(pinned)).status.phase == Phase.EXECUTION_PENDING
    assert await services.apply(_revision(name, 2), unique=False) == workflow_id
    current = await services.create(workflow_id)
    services.start_runner()

    first = await services.wait_terminal(pinned, within=120)
    second = await services.wait_terminal(current, within=120)

    assert first.status.phase == Phase.EXECUTION_COMPLETED, first.status.error
    assert first.status.output.to_dict() == {"revision": 1}
    assert second.status.output.to_dict() == {"revision": 2}
    references = [e.spec.workflow_reference for e in (first, second)]
    assert all(r is not None and r.path == "spec.workflow" for r in references)
    assert references[0].sha256 != references[1].sha256  # type: ignore[union-attr]
    stub = wex_qry.WorkflowExecutionQueryControllerStub(services.channel)
    for reference, execution_id in zip(references, (pinned, current), strict=True):
        assert reference is not None
        listed = await services.rpc(
            lambda sha=reference.sha256: stub.list(
                wex.ListWorkflowExecutionsRequest(workflow_revision=sha, page_size=10),
                metadata=services.metadata,
                timeout=10,
            )
        )
        assert [e.metadata.id for e in listed.entries] == [execution_id]
