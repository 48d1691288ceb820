"""Org and slug key confusion through the real server: neither may carry a key separator.

The slug reservation key is ``s:<org>:<slug>``; with ``:`` allowed, ``(acme, internal:payroll)``
and ``(acme:internal, payroll)`` named the same key, so a lookup in one org read another's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import query_pb2_grpc as win_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar

pytestmark = pytest.mark.e2e

DSL = """document: {dsl: '1.0.0', namespace: e2e, name: payroll, version: '1.0.0'}
do:
  - pay:
      set: {paid: true}
"""


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stigmer_endpoint) as ch:
        yield ch


def _workflow(org: str, name: str = "payroll") -> wf.Workflow:
    return wf.Workflow(
        metadata=ar.ApiResourceMetadata(
            name=name, org=org, owner_scope=ar.ApiResourceOwnerScope.organization
        ),
        spec=dsl_to_workflow_spec(DSL),
    )


async def _invalid_argument(call: object) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call  # type: ignore[misc]
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    return str(err.value.details())


async def test_an_org_with_a_key_separator_is_rejected_on_create(
    channel: grpc.aio.Channel,
) -> None:
    commands = wf_cmd.WorkflowCommandControllerStub(channel)
    for org in ("acme:internal", "acme{x}", "Acme"):
        details = await _invalid_argument(commands.create(_workflow(org)))
        assert details.startswith("metadata.org: must match")
        details = await _invalid_argument(commands.apply(_workflow(org)))
        assert details.startswith("metadata.org: must match")


async def test_get_by_reference_with_a_separator_in_the_slug_is_invalid(
    channel: grpc.aio.Channel,
) -> None:
    created = await wf_cmd.WorkflowCommandControllerStub(channel).create(_workflow("acme"))
    queries = wf_qry.WorkflowQueryControllerStub(channel)
    found = await queries.getByReference(ar.ApiResourceReference(org="acme", slug="payroll"))
    assert found.metadata.id == created.metadata.id
    for org, slug, field in (
        ("acme", "internal:payroll", "slug"),
        ("acme", "{e2e:wfl}:r:x", "slug"),
        ("acme:internal", "payroll", "org"),
    ):
        ref = ar.ApiResourceReference(org=org, slug=slug)
        details = await _invalid_argument(queries.getByReference(ref))
        assert details.startswith(f"{field}: must match")
        instance_ref = ar.ApiResourceReference(org=org, slug=slug)
        details = await _invalid_argument(
            win_qry.WorkflowInstanceQueryControllerStub(channel).getByReference(instance_ref)
        )
        assert details.startswith(f"{field}: must match")
