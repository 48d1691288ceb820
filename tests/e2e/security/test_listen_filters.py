"""Listen filters through the real services: exact strings, explicit regexes, bounded matching.

The approval example listens for ``type: com.example.approval``; events arrive through the
server's ``signal`` RPC (what ``stigmer signal`` calls), the runner matches them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.google import protobuf as wkt
from stigmer_testing.executions import follow, start_execution

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
APPROVAL = Path(__file__).resolve().parents[3] / "examples" / "approval.yaml"


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stigmer_endpoint) as ch:
        yield ch


def _listen_doc(with_: dict[str, Any]) -> str:
    return yaml.safe_dump(
        {
            "document": {"dsl": "1.0.0", "namespace": "e2e", "name": "f", "version": "1.0.0"},
            "do": [
                {"wait": {"listen": {"to": {"one": {"with": with_}}}}},
                {"keep": {"set": {"got": "${ .[0] }"}}},
            ],
        }
    )


async def _start(channel: grpc.aio.Channel, text: str) -> str:
    """Apply ``text`` under a fresh name and create an execution; return its id."""
    name = f"filters-{uuid.uuid4().hex[:8]}"
    created = await start_execution(channel, name, dsl_to_workflow_spec(text))
    return str(created.metadata.id)


async def _signal(channel: grpc.aio.Channel, execution_id: str, event: dict[str, Any]) -> None:
    """Deliver ``event``, retrying while the execution has not started running yet."""
    stub = wex_cmd.WorkflowExecutionCommandControllerStub(channel)
    request = wex.WorkflowExecutionSignalInput(
        execution_id=execution_id,
        event=wkt.Struct.from_dict({"specversion": "1.0", "source": "e2e", **event}),
    )
    async with asyncio.timeout(60):
        while True:
            try:
                await stub.signal(request)
                return
            except grpc.aio.AioRpcError as err:
                if err.code() != grpc.StatusCode.FAILED_PRECONDITION:
                    raise
            await asyncio.sleep(0.2)


async def _final(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    """Follow the execution with subscribe until it ends."""
    return (await follow(channel, execution_id))[-1]


async def test_lookalike_type_does_not_complete_the_approval(channel: grpc.aio.Channel) -> None:
    execution_id = await _start(channel, APPROVAL.read_text())
    # Buffered in arrival order: a matching look-alike would be consumed before the real one.
    await _signal(
        channel,
        execution_id,
        {"id": "1", "type": "comXexampleXapproval", "data": {"approved": True, "by": "mallory"}},
    )
    await _signal(
        channel,
        execution_id,
        {"id": "2", "type": "com.example.approval", "data": {"approved": False, "by": "ada"}},
    )
    final = await _final(channel, execution_id)
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output.to_dict() == {"approved": False, "by": "ada"}


async def test_an_explicit_regex_still_matches(channel: grpc.aio.Channel) -> None:
    execution_id = await _start(channel, _listen_doc({"type": r"/com\.example\.[a-z0-9.]+/"}))
    await _signal(channel, execution_id, {"id": "1", "type": "xcom.example.approval", "data": 1})
    await _signal(channel, execution_id, {"id": "2", "type": "com.example.approval.v2", "data": 2})
    final = await _final(channel, execution_id)
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output.to_dict() == {"got": 2}


async def test_a_catastrophic_pattern_is_rejected_before_it_runs(
    channel: grpc.aio.Channel,
) -> None:
    # Refused by the server's document check at apply (ADR 0030), before any execution exists.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _start(channel, _listen_doc({"type": "/(a+)+$/"}))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "/do/0/wait/listen/to/one/with/type: nested quantifier" in (
        refused.value.details() or ""
    )


async def test_a_slow_match_fails_the_execution_instead_of_hanging(
    channel: grpc.aio.Channel,
) -> None:
    # Allowed at load (no nested quantifier), but polynomial on a long value of a's.
    execution_id = await _start(channel, _listen_doc({"subject": "/" + "a*" * 8 + "[bc]/"}))
    await _signal(
        channel, execution_id, {"id": "1", "type": "t", "subject": "a" * 20000 + "bx", "data": 1}
    )
    final = await _final(channel, execution_id)
    assert final.status.phase == Phase.EXECUTION_FAILED
    assert "Event filter timeout" in final.status.error
    assert "20002-character value" in final.status.error
