"""The request bounds through a real server: the deepest accepted request is served, one level
deeper is refused before decoding, and a refused request changes nothing."""

from __future__ import annotations

from typing import Any

import grpc
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.limits import MAX_MESSAGE_DEPTH
from stigmer_server.request_bounds import descriptor_of, wire_problem
from stigmer_testing.wire import deep_struct, execution_with_input

CREATE = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/create"
EXECUTION = descriptor_of(wex.WorkflowExecution.FromString)


def _nested_input(request: wex.WorkflowExecution, levels: int) -> bytes:
    """``request`` encoded, with a Struct input ``levels`` objects deep."""
    return execution_with_input(request, deep_struct(levels))


def _deepest_accepted(request: wex.WorkflowExecution) -> int:
    assert EXECUTION is not None
    levels = 1
    while wire_problem(_nested_input(request, levels + 1), EXECUTION) is None:
        levels += 1
    return levels


async def test_the_deepest_accepted_request_is_served_and_one_deeper_is_refused(
    make_api: Any,
) -> None:
    api = await make_api()
    workflow = await api.stubs.wf.create(workflow_msg())
    create = api.stubs.channel.unary_unary(CREATE)
    base = execution_msg("deep", workflow_id=workflow.metadata.id)
    levels = _deepest_accepted(base)
    assert levels * 3 > MAX_MESSAGE_DEPTH - 6

    reply = wex.WorkflowExecution.parse(await create(_nested_input(base, levels)))
    assert reply.metadata.id

    before = await api.snapshot()
    deeper = execution_msg("deeper", workflow_id=workflow.metadata.id)
    try:
        await create(_nested_input(deeper, levels + 1))
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert f"more than {MAX_MESSAGE_DEPTH} levels deep" in (err.details() or "")
    else:
        raise AssertionError("a request deeper than the limit was accepted")
    assert await api.snapshot() == before
