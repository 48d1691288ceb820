"""StigmerClient against a real grpc.aio server on 127.0.0.1:0 with fake servicers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as workflow_v1
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as workflow_query
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as execution_v1
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import (
    command_pb2_grpc as execution_command,
)
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import (
    query_pb2_grpc as execution_query,
)
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as instance_v1
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import (
    query_pb2_grpc as instance_query,
)
from stigmer_protos.ai.stigmer.commons import apiresource
from workflow_runner.client import ClientConfig, RetryPolicy, StigmerClient, StigmerRpcError


@dataclass
class Behaviour:
    """What the fake server does: fail the first N calls, stall, or answer."""

    fail_first: int = 0
    fail_code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    stall_seconds: float = 0.0
    calls: list[tuple[str, Any, dict[str, str]]] = field(default_factory=list)

    async def handle(self, method: str, request: Any, context: Any) -> None:
        self.calls.append((method, request, dict(context.invocation_metadata())))
        if len(self.calls) <= self.fail_first:
            await context.abort(self.fail_code, f"fake {self.fail_code.name}")
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)


class FakeWorkflowQuery(workflow_query.WorkflowQueryControllerServicer):  # type: ignore[misc]
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour

    async def get(self, request: workflow_v1.WorkflowId, context: Any) -> workflow_v1.Workflow:
        await self.behaviour.handle("workflow.get", request, context)
        return workflow_v1.Workflow(
            metadata=apiresource.ApiResourceMetadata(id=request.value, name="wf")
        )


class FakeInstanceQuery(instance_query.WorkflowInstanceQueryControllerServicer):  # type: ignore[misc]
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour

    async def get(self, request: Any, context: Any) -> instance_v1.WorkflowInstance:
        await self.behaviour.handle("instance.get", request, context)
        return instance_v1.WorkflowInstance(
            metadata=apiresource.ApiResourceMetadata(id=request.value),
            spec=instance_v1.WorkflowInstanceSpec(workflow_id="wfl-1"),
        )


class FakeExecutionQuery(execution_query.WorkflowExecutionQueryControllerServicer):  # type: ignore[misc]
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour

    async def get(self, request: Any, context: Any) -> execution_v1.WorkflowExecution:
        await self.behaviour.handle("execution.get", request, context)
        return execution_v1.WorkflowExecution(
            metadata=apiresource.ApiResourceMetadata(id=request.value)
        )


class FakeExecutionCommand(execution_command.WorkflowExecutionCommandControllerServicer):  # type: ignore[misc]
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour

    async def updateStatus(
        self, request: execution_v1.WorkflowExecutionUpdateStatusInput, context: Any
    ) -> execution_v1.WorkflowExecution:
        await self.behaviour.handle("execution.updateStatus", request, context)
        return execution_v1.WorkflowExecution(
            metadata=apiresource.ApiResourceMetadata(id=request.execution_id),
            status=request.status,
        )


@dataclass
class Server:
    endpoint: str
    behaviour: Behaviour


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    behaviour = Behaviour()
    srv = grpc.aio.server()
    workflow_query.add_WorkflowQueryControllerServicer_to_server(FakeWorkflowQuery(behaviour), srv)
    instance_query.add_WorkflowInstanceQueryControllerServicer_to_server(
        FakeInstanceQuery(behaviour), srv
    )
    execution_query.add_WorkflowExecutionQueryControllerServicer_to_server(
        FakeExecutionQuery(behaviour), srv
    )
    execution_command.add_WorkflowExecutionCommandControllerServicer_to_server(
        FakeExecutionCommand(behaviour), srv
    )
    port = srv.add_insecure_port("127.0.0.1:0")
    await srv.start()
    try:
        yield Server(f"127.0.0.1:{port}", behaviour)
    finally:
        await srv.stop(grace=None)


class RecordingSleep:
    """Replaces asyncio.sleep between retries: records the delays, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def client_for(endpoint: str, sleep: RecordingSleep | None = None, **config: Any) -> StigmerClient:
    return StigmerClient(ClientConfig(endpoint=endpoint, **config), sleep=sleep)


async def test_bearer_token_and_request_arrive(server: Server) -> None:
    async with client_for(server.endpoint, api_key="s3cret") as client:
        workflow = await client.get_workflow("wfl-123")

    assert workflow.metadata is not None and workflow.metadata.id == "wfl-123"
    ((method, request, metadata),) = server.behaviour.calls
    assert method == "workflow.get"
    assert request == workflow_v1.WorkflowId(value="wfl-123")
    assert metadata["authorization"] == "Bearer s3cret"


async def test_no_authorization_header_without_key(server: Server) -> None:
    async with client_for(server.endpoint) as client:
        await client.get_execution("wex-1")
    assert "authorization" not in server.behaviour.calls[0][2]


async def test_all_methods_share_one_channel(server: Server) -> None:
    status = execution_v1.WorkflowExecutionStatus(
        phase=execution_v1.ExecutionPhase.EXECUTION_IN_PROGRESS, temporal_workflow_id="t-1"
    )
    async with client_for(server.endpoint) as client:
        await client.get_workflow("wfl-1")
        channel = client._channel
        instance = await client.get_workflow_instance("win-1")
        execution = await client.get_execution("wex-1")
        await client.update_status("wex-1", status)
        assert client._channel is channel

    assert client._channel is None
    assert instance.spec is not None and instance.spec.workflow_id == "wfl-1"
    assert execution.metadata is not None and execution.metadata.id == "wex-1"
    sent = server.behaviour.calls[-1][1]
    assert sent == execution_v1.WorkflowExecutionUpdateStatusInput(
        execution_id="wex-1", status=status
    )


async def test_retries_unavailable_then_succeeds(server: Server) -> None:
    server.behaviour.fail_first = 2
    sleep = RecordingSleep()
    async with client_for(server.endpoint, sleep, max_attempts=5) as client:
        workflow = await client.get_workflow("wfl-9")

    assert workflow.metadata is not None and workflow.metadata.id == "wfl-9"
    assert len(server.behaviour.calls) == 3
    assert len(sleep.delays) == 2
    assert 0 <= sleep.delays[0] <= 0.2 and 0 <= sleep.delays[1] <= 0.4


async def test_gives_up_after_max_attempts(server: Server) -> None:
    server.behaviour.fail_first = 100
    sleep = RecordingSleep()
    async with client_for(server.endpoint, sleep, max_attempts=3) as client:
        with pytest.raises(StigmerRpcError) as excinfo:
            await client.update_status("wex-1", execution_v1.WorkflowExecutionStatus())

    error = excinfo.value
    assert error.code == grpc.StatusCode.UNAVAILABLE
    assert error.attempts == 3
    assert str(error) == (
        "WorkflowExecutionCommandController/updateStatus failed with UNAVAILABLE "
        "after 3 attempts: fake UNAVAILABLE"
    )
    assert len(server.behaviour.calls) == 3
    assert len(sleep.delays) == 2


async def test_not_found_is_not_retried(server: Server) -> None:
    server.behaviour.fail_first = 100
    server.behaviour.fail_code = grpc.StatusCode.NOT_FOUND
    sleep = RecordingSleep()
    async with client_for(server.endpoint, sleep) as client:
        with pytest.raises(StigmerRpcError) as excinfo:
            await client.get_workflow_instance("win-missing")

    assert excinfo.value.code == grpc.StatusCode.NOT_FOUND
    assert excinfo.value.attempts == 1
    assert len(server.behaviour.calls) == 1
    assert sleep.delays == []


async def test_deadline_is_respected(server: Server) -> None:
    server.behaviour.stall_seconds = 5.0
    started = time.monotonic()
    async with client_for(server.endpoint, call_timeout_seconds=0.3) as client:
        with pytest.raises(StigmerRpcError) as excinfo:
            await client.get_execution("wex-slow")

    assert excinfo.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 2.0
    assert len(server.behaviour.calls) == 1


async def test_unreachable_server_is_retried_then_reported() -> None:
    # A port that was just free: nothing listens there, so the channel reports UNAVAILABLE.
    probe = grpc.aio.server()
    port = probe.add_insecure_port("127.0.0.1:0")
    await probe.start()
    await probe.stop(grace=None)
    sleep = RecordingSleep()
    async with client_for(f"127.0.0.1:{port}", sleep, max_attempts=2) as client:
        with pytest.raises(StigmerRpcError) as excinfo:
            await client.get_workflow("wfl-1")
    assert excinfo.value.code == grpc.StatusCode.UNAVAILABLE
    assert excinfo.value.attempts == 2


def test_config_from_env() -> None:
    config = ClientConfig.from_env(
        {
            "STIGMER_BACKEND_ENDPOINT": "stigmer:7234",
            "STIGMER_API_KEY": "key-1",
            "STIGMER_SERVICE_USE_TLS": "TRUE",
        }
    )
    assert config == ClientConfig(endpoint="stigmer:7234", api_key="key-1", use_tls=True)
    assert "key-1" not in repr(config)
    assert ClientConfig.from_env({}) == ClientConfig(
        endpoint="localhost:7234", api_key=None, use_tls=False
    )
    with pytest.raises(ValueError, match="STIGMER_SERVICE_USE_TLS"):
        ClientConfig.from_env({"STIGMER_SERVICE_USE_TLS": "maybe"})


def test_api_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "runner-key"
    key_file.write_text("runner-secret\n")
    config = ClientConfig.from_env({"STIGMER_API_KEY_FILE": str(key_file)})
    assert config.api_key == "runner-secret"
    both = {"STIGMER_API_KEY": "inline", "STIGMER_API_KEY_FILE": str(key_file)}
    with pytest.raises(ValueError, match="not both"):
        ClientConfig.from_env(both)
    key_file.write_text("  \n")
    with pytest.raises(ValueError, match=r"STIGMER_API_KEY_FILE.*empty"):
        ClientConfig.from_env({"STIGMER_API_KEY_FILE": str(key_file)})
    with pytest.raises(ValueError, match="STIGMER_API_KEY_FILE"):
        ClientConfig.from_env({"STIGMER_API_KEY_FILE": str(tmp_path / "missing")})


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(initial_backoff_seconds=0.5, max_backoff_seconds=3.0)
    assert [policy.delay(n, rand=lambda: 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(3, rand=lambda: 0.25) == 0.5


async def test_an_encoded_status_is_sent_as_the_same_request(server: Server) -> None:
    status = execution_v1.WorkflowExecutionStatus(
        tasks=[execution_v1.WorkflowTask(task_id="/do/0/a", task_name="a")]
    )
    async with client_for(server.endpoint) as client:
        await client.update_status("wex-1", bytes(status))
        await client.update_status("wex-1", status)
    first, second = (call[1] for call in server.behaviour.calls[-2:])
    assert (
        first
        == second
        == execution_v1.WorkflowExecutionUpdateStatusInput(execution_id="wex-1", status=status)
    )


async def test_a_workflow_is_fetched_encoded_as_served(server: Server) -> None:
    async with client_for(server.endpoint) as client:
        served = await client.get_workflow_encoded("wfl-7")
        decoded = await client.get_workflow("wfl-7")
    assert isinstance(served, bytes)
    assert workflow_v1.Workflow.parse(served) == decoded
