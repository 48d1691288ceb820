"""Which ``document.dsl`` versions the API accepts: every 1.0.x, pre-releases included."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from ss_helpers import workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf


@pytest.mark.parametrize("version", ["1.0.0-alpha5", "1.0.3", "1.0.1-rc.1+build.7", ""])
async def test_every_1_0_x_version_is_accepted(api: Any, version: str) -> None:
    workflow = workflow_msg(f"dsl {version or 'default'}")
    workflow.spec.document.dsl = version
    created = await api.stubs.wf.create(workflow)
    stored = await api.stubs.wfq.get(wf.WorkflowId(value=created.metadata.id))
    assert stored.spec.document.dsl == version


@pytest.mark.parametrize("version", ["1.1.0", "0.8", "2.0.0-alpha1", "v1.0.0", "1.0"])
async def test_another_version_is_invalid_and_stores_nothing(api: Any, version: str) -> None:
    workflow = workflow_msg()
    workflow.spec.document.dsl = version
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wf.create(workflow)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("spec.document.dsl: must be a 1.0.x DSL version")
    assert await api.snapshot() == {}
