"""A Workflow whose DSL document cannot run is refused at ``apply``, before any execution exists.

The server checks the document with the DSL library, as the runner does when it loads it: the
answer is INVALID_ARGUMENT naming the JSON pointer, and nothing is stored.
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
from stigmer_protos.ai.stigmer.commons import apiresource as ar

pytestmark = pytest.mark.e2e

HEAD = "document: {dsl: '1.0.0', namespace: e2e, name: checked, version: '1.0.0'}\ndo:\n"
BAD = HEAD + "  - first: {set: {a: 1}, then: nowhere}\n  - second: {set: {b: 2}}\n"
GOOD = HEAD + "  - first: {set: {a: 1}, then: second}\n  - second: {set: {b: 2}}\n"


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stigmer_endpoint) as ch:
        yield ch


def _workflow(text: str) -> wf.Workflow:
    return wf.Workflow(
        metadata=ar.ApiResourceMetadata(
            name="dsl-checked", org="dslcheck", owner_scope=ar.ApiResourceOwnerScope.organization
        ),
        spec=dsl_to_workflow_spec(text),
    )


async def test_an_unknown_then_target_is_refused_at_apply_and_nothing_is_stored(
    channel: grpc.aio.Channel,
) -> None:
    commands = wf_cmd.WorkflowCommandControllerStub(channel)
    queries = wf_qry.WorkflowQueryControllerStub(channel)
    reference = ar.ApiResourceReference(org="dslcheck", slug="dsl-checked")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await commands.apply(_workflow(BAD))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "/do/0/first/then: `then` targets unknown task `nowhere`" in str(err.value.details())
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await queries.getByReference(reference)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND

    applied = await commands.apply(_workflow(GOOD))
    assert (await queries.getByReference(reference)).metadata.id == applied.metadata.id
