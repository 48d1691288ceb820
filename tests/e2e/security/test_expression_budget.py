"""A jq expression that burns CPU faults its task within the budget; the runner keeps serving.

Reproduces issue 15's freeze (``reduce range(40000000) ...`` held the runner's GIL, so an
unrelated execution lost its heartbeats and failed) on a stack of its own whose runner has a
small expression budget (``STIGMER_EXPRESSION_CPU_SECONDS``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_testing.executions import (
    dsl_document,
    follow,
    start_execution,
)
from stigmer_testing.stack import run_services, service_env

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
BURN = "${ reduce range(40000000) as $i (0; .+1) }"


@pytest.fixture(scope="module")
def endpoint(redis_url: str, temporal_address: str) -> Iterator[str]:
    """stigmer-server and a workflow-runner whose expressions get 0.3 s of CPU each."""
    env = {
        **service_env(redis_url, temporal_address, "budget"),
        "STIGMER_EXPRESSION_CPU_SECONDS": "0.3",
    }
    with run_services(env) as services:
        yield services.endpoint


@pytest_asyncio.fixture
async def channel(endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(endpoint) as ch:
        yield ch


async def _start(channel: grpc.aio.Channel, name: str, tasks: list[dict[str, Any]]) -> str:
    """Apply a document of ``tasks`` and create an execution of it; return the execution id."""
    name = f"{name}-{uuid.uuid4().hex[:6]}"
    document = dsl_document(name, tasks)
    spec = dsl_to_workflow_spec(yaml.safe_dump(document))
    created = await start_execution(channel, name, spec, data={"who": "e2e"})
    return str(created.metadata.id)


async def _final(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    """Follow an execution with subscribe to its terminal state."""
    # The caller bounds the whole test; this bound only keeps a stuck stream from hanging.
    return (await follow(channel, execution_id, within=300))[-1]


async def test_a_jq_burn_faults_while_a_concurrent_execution_completes(
    channel: grpc.aio.Channel,
) -> None:
    async with asyncio.timeout(180):
        burn = await _start(channel, "burn", [{"burn": {"set": {"n": BURN}}}])
        hello = await _start(
            channel,
            "hello",
            [
                {"greet": {"set": {"greeting": '${ "hello " + .who }'}}},
                {"pause": {"wait": {"milliseconds": 200}}},
                {"again": {"set": {"greeting": "${ .greeting }", "done": True}}},
            ],
        )
        burned, greeted = await asyncio.gather(_final(channel, burn), _final(channel, hello))

    assert burned.status.phase == Phase.EXECUTION_FAILED
    assert "Expression budget exceeded" in burned.status.error
    details = burned.status.error_details.to_dict()
    assert details["type"].endswith("/errors/runtime")
    assert details["instance"] == "/do/0/burn"
    assert "exceeded the expression budget" in details["detail"]
    assert greeted.status.phase == Phase.EXECUTION_COMPLETED
    assert greeted.status.output.to_dict() == {"greeting": "hello e2e", "done": True}
