"""A jq expression that burns CPU faults its task within the budget; the runner keeps serving.

Reproduces issue 15's freeze (``reduce range(40000000) ...`` held the runner's GIL, so an
unrelated execution lost its heartbeats and failed) on a stack of its own whose runner has a
small expression budget (``STIGMER_EXPRESSION_CPU_SECONDS``).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_devstack.ports import free_port
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_testing.services import stop_process, wait_grpc_serving
from workflow_runner.converter import dsl_to_workflow_spec

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
TERMINAL = {Phase.EXECUTION_COMPLETED, Phase.EXECUTION_FAILED, Phase.EXECUTION_CANCELLED}
BURN = "${ reduce range(40000000) as $i (0; .+1) }"


@pytest.fixture(scope="module")
def endpoint(redis_url: str, temporal_address: str) -> Iterator[str]:
    """stigmer-server and a workflow-runner whose expressions get 0.3 s of CPU each."""
    port = free_port()
    run = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "GRPC_PORT": str(port),
        "GRPC_HOST": "127.0.0.1",
        "REDIS_URL": redis_url,
        "STIGMER_REDIS_KEY_PREFIX": f"budget-{run}",
        "TEMPORAL_HOST_PORT": temporal_address,
        "TEMPORAL_WORKFLOW_EXECUTION_STIGMER_TASK_QUEUE": f"stigmer-{run}",
        "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE": f"runner-{run}",
        "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE": f"zigflow-{run}",
        "STIGMER_BACKEND_ENDPOINT": f"127.0.0.1:{port}",
        "STIGMER_EXPRESSION_CPU_SECONDS": "0.3",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen([sys.executable, "-m", "stigmer_server.main"], env=env)
    runner = subprocess.Popen([sys.executable, "-m", "workflow_runner.main"], env=env)
    try:
        wait_grpc_serving(env["STIGMER_BACKEND_ENDPOINT"], server)
        yield env["STIGMER_BACKEND_ENDPOINT"]
    finally:
        stop_process(runner)
        stop_process(server)


@pytest_asyncio.fixture
async def channel(endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(endpoint) as ch:
        yield ch


def _metadata(name: str) -> ar.ApiResourceMetadata:
    return ar.ApiResourceMetadata(
        name=name, org="e2e", owner_scope=ar.ApiResourceOwnerScope.organization
    )


async def _start(channel: grpc.aio.Channel, name: str, tasks: list[dict[str, Any]]) -> str:
    """Apply a document of ``tasks`` and create an execution of it; return the execution id."""
    name = f"{name}-{uuid.uuid4().hex[:6]}"
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": tasks,
    }
    workflow = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
        wf.Workflow(metadata=_metadata(name), spec=dsl_to_workflow_spec(yaml.safe_dump(document)))
    )
    created = await wex_cmd.WorkflowExecutionCommandControllerStub(channel).create(
        wex.WorkflowExecution(
            metadata=_metadata(f"run-{name}"),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=workflow.metadata.id, input=wkt.Struct.from_dict({"who": "e2e"})
            ),
        )
    )
    return str(created.metadata.id)


async def _final(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    """Follow an execution with subscribe to its terminal state."""
    last = None
    stream = wex_qry.WorkflowExecutionQueryControllerStub(channel).subscribe(
        wex.SubscribeWorkflowExecutionRequest(execution_id=execution_id)
    )
    async for update in stream:
        last = update
    assert last is not None and last.status.phase in TERMINAL
    return last


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
