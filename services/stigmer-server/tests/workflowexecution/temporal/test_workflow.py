"""The orchestration workflow on a real Temporal server with real Redis-backed services.

A test worker registers a fake ``ExecuteWorkflow`` on the runner queue named in the memo.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.temporal import StigmerPayloadConverter
from stigmer_protos.temporal_client import TemporalConnectionConfig
from stigmer_server.server import Services, build_services
from stigmer_server.store.connection import connect
from stigmer_server.store.redis_store import RedisStore
from stigmer_server.workflowexecution.temporal.config import ActivityTimeouts, TemporalConfig
from stigmer_server.workflowexecution.temporal.connection import TemporalConnection
from stigmer_server.workflowexecution.temporal.creator import TemporalWorkflowCreator
from stigmer_server.workflowexecution.temporal.names import workflow_id
from stigmer_server.workflowexecution.temporal.worker import build_worker
from stigmer_server.workflowexecution.temporal.workflow import execution_id_of
from stigmer_server.workflowexecution.values import OUTPUT_PATH, ExecutionValues
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.worker import Worker

HISTORIES = Path(__file__).parent / "histories"


@pytest_asyncio.fixture
async def services(redis_url: str) -> AsyncIterator[Services]:
    """The service layer on the session Redis, under a key prefix of its own."""
    client, prefix = connect(redis_url, max_connections=8), f"test-{uuid.uuid4().hex}"
    store = RedisStore(client, prefix)
    yield build_services(store, launcher=None, values=ExecutionValues(client, prefix))
    await store.close()


@dataclass
class Orchestration:
    """Everything needed to create executions and run their orchestration workflows."""

    services: Services
    client: Client
    config: TemporalConfig
    creator: TemporalWorkflowCreator

    async def new_execution(self) -> wex.WorkflowExecution:
        """Create a workflow and a PENDING execution of it through the real services."""
        suffix = uuid.uuid4().hex[:8]
        workflow = await self.services.workflows.create(
            wf.Workflow(
                metadata=ar.ApiResourceMetadata(name=f"orchestrated-{suffix}", org="acme"),
                spec=wf.WorkflowSpec(
                    document=wf.WorkflowDocument(
                        dsl="1.0.0", namespace="tests", name="orchestrated", version="1.0.0"
                    ),
                    tasks=[
                        wf.WorkflowTask(
                            name="noop",
                            kind=ar.WorkflowTaskKind.SET,
                            task_config=wkt.Struct.from_dict({"set": {"ok": True}}),
                        )
                    ],
                ),
            )
        )
        return await self.services.executions.create(
            wex.WorkflowExecution(
                metadata=ar.ApiResourceMetadata(name=f"run-{suffix}", org="acme"),
                spec=wex.WorkflowExecutionSpec(workflow_id=workflow.metadata.id),
            )
        )

    async def start(
        self, execution: wex.WorkflowExecution
    ) -> WorkflowHandle[object, wex.WorkflowExecutionStatus]:
        """Start the orchestration workflow and return a handle typed for its result."""
        workflow_id = await self.creator.start(execution)
        return self.client.get_workflow_handle(workflow_id, result_type=wex.WorkflowExecutionStatus)

    def stigmer_worker(self) -> Worker:
        """The stigmer-server worker (workflow + local activity) for this test's queue."""
        return build_worker(self.client, self.config.stigmer_task_queue, self.services.executions)

    async def stored(self, execution_id: str) -> wex.WorkflowExecution:
        """The execution as stored now."""
        return await self.services.executions.get(execution_id)


OrchestrationFactory = Callable[[Client, ActivityTimeouts], Awaitable[Orchestration]]


@pytest.fixture
def orchestration(services: Services, temporal_address: str) -> OrchestrationFactory:
    """Build an :class:`Orchestration` on ``client`` with fresh queues and the given timeouts."""

    async def build(client: Client, timeouts: ActivityTimeouts) -> Orchestration:
        config = TemporalConfig(
            connection=replace(TemporalConnectionConfig(), address=temporal_address),
            stigmer_task_queue=f"stigmer-{uuid.uuid4()}",
            runner_task_queue=f"runner-{uuid.uuid4()}",
            execution_timeout=timedelta(minutes=30),
            activity=timeouts,
        )
        connection = TemporalConnection(config, client)
        creator = TemporalWorkflowCreator(config, connection, services.executions)
        services.executions.launcher = creator
        return Orchestration(services, client, config, creator)

    return build


async def record_history(client: Client, workflow_id: str, name: str) -> None:
    """Write the history of a finished run for the replay test, when STIGMER_RECORD_HISTORIES=1."""
    if os.environ.get("STIGMER_RECORD_HISTORIES") != "1":
        return
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / f"{name}.json").write_text(
        json.dumps(json.loads(history.to_json()), indent=1) + "\n"
    )


FAST = ActivityTimeouts(
    schedule_to_start=timedelta(seconds=10),
    heartbeat=timedelta(seconds=5),
    start_to_close=timedelta(minutes=1),
    maximum_attempts=2,
)
Phase = wex.ExecutionPhase


class FakeRunner:
    """Records calls to ``ExecuteWorkflow`` and the queue each ran on."""

    def __init__(self) -> None:
        self.queues: list[str] = []
        self.executions: list[str] = []

    @activity.defn(name="ExecuteWorkflow")
    async def succeed(self, execution: wex.WorkflowExecution) -> wex.WorkflowExecutionStatus:
        self.queues.append(activity.info().task_queue)
        self.executions.append(execution.metadata.id)
        return wex.WorkflowExecutionStatus(
            phase=Phase.EXECUTION_COMPLETED,
            output=wkt.Struct.from_dict({"ran": execution.metadata.id}),
        )


@activity.defn(name="ExecuteWorkflow")
async def crash(execution: wex.WorkflowExecution) -> wex.WorkflowExecutionStatus:
    raise ApplicationError("interpreter exploded", type="Boom", non_retryable=True)


@activity.defn(name="ExecuteWorkflow")
async def run_until_cancelled(execution: wex.WorkflowExecution) -> wex.WorkflowExecutionStatus:
    while True:
        activity.heartbeat()
        await asyncio.sleep(0.2)


async def test_success_records_the_runner_status(
    orchestration: OrchestrationFactory, temporal_client: Client
) -> None:
    orch = await orchestration(temporal_client, FAST)
    runner = FakeRunner()
    execution = await orch.new_execution()
    async with (
        orch.stigmer_worker(),
        Worker(
            temporal_client, task_queue=orch.config.runner_task_queue, activities=[runner.succeed]
        ),
    ):
        handle = await orch.start(execution)
        result = await handle.result()
        await record_history(temporal_client, handle.id, "success")
    assert result.phase == Phase.EXECUTION_COMPLETED
    stored = await orch.stored(execution.metadata.id)
    assert stored.status.phase == Phase.EXECUTION_COMPLETED
    assert stored.status.output.to_dict() == {"ran": execution.metadata.id}
    assert stored.status.temporal_workflow_id == workflow_id(execution.metadata.id)
    assert stored.status.completed_at
    # Memo routing: the activity ran on the queue the server put in the memo, nowhere else.
    assert runner.queues == [orch.config.runner_task_queue]
    assert orch.config.runner_task_queue != "workflow_execution_runner"


LARGE_OUTPUT = {"rows": ["r" * 100 for _ in range(10_000)]}
"""About 1 MB: over the record's inline bound, under Temporal's payload limit."""


@activity.defn(name="ExecuteWorkflow")
async def succeed_large(execution: wex.WorkflowExecution) -> wex.WorkflowExecutionStatus:
    return wex.WorkflowExecutionStatus(
        phase=Phase.EXECUTION_COMPLETED, output=wkt.Struct.from_dict(LARGE_OUTPUT)
    )


async def test_a_large_output_is_recorded_by_reference_not_decoded_by_the_workflow(
    orchestration: OrchestrationFactory, temporal_client: Client
) -> None:
    orch = await orchestration(temporal_client, FAST)
    execution = await orch.new_execution()
    async with (
        orch.stigmer_worker(),
        Worker(
            temporal_client, task_queue=orch.config.runner_task_queue, activities=[succeed_large]
        ),
    ):
        handle = await orch.start(execution)
        result = await handle.result()
        await record_history(temporal_client, handle.id, "large_output")
    # The workflow passes the runner's status on as it came.
    assert result.output is not None and result.output.to_dict() == LARGE_OUTPUT
    stored = await orch.stored(execution.metadata.id)
    assert stored.status.phase == Phase.EXECUTION_COMPLETED
    reference = stored.status.output_reference
    assert reference is not None and reference.path == OUTPUT_PATH
    assert stored.status.output.to_dict() == {"_truncated": True, "bytes": reference.size_bytes}
    parts = orch.services.executions.value_chunks(execution.metadata.id, OUTPUT_PATH)
    text = b"".join([part.data async for part in parts])
    assert json.loads(text) == LARGE_OUTPUT and len(text) == reference.size_bytes


async def test_runner_failure_marks_the_execution_failed(
    orchestration: OrchestrationFactory, temporal_client: Client
) -> None:
    orch = await orchestration(temporal_client, FAST)
    execution = await orch.new_execution()
    async with (
        orch.stigmer_worker(),
        Worker(temporal_client, task_queue=orch.config.runner_task_queue, activities=[crash]),
    ):
        handle = await orch.start(execution)
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
        await record_history(temporal_client, handle.id, "runner_failure")
    assert "interpreter exploded" in str(failure.value.cause)
    stored = await orch.stored(execution.metadata.id)
    assert stored.status.phase == Phase.EXECUTION_FAILED
    assert stored.status.error == "workflow-runner failed: interpreter exploded"


async def test_no_runner_fails_within_the_schedule_to_start_bound(
    orchestration: OrchestrationFactory, temporal_client: Client
) -> None:
    # The time-skipping test server never fires schedule-to-start timeouts (its histories end
    # with no completion), so this runs on the dev server with a short bound.
    bound = replace(FAST, schedule_to_start=timedelta(seconds=2))
    orch = await orchestration(temporal_client, bound)
    execution = await orch.new_execution()
    async with orch.stigmer_worker():
        handle = await orch.start(execution)
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        await record_history(temporal_client, handle.id, "no_runner")
    stored = await orch.stored(execution.metadata.id)
    assert stored.status.phase == Phase.EXECUTION_FAILED
    queue = orch.config.runner_task_queue
    assert stored.status.error == f"no workflow-runner polled queue {queue} within 2s"


async def test_cancel_ends_the_execution_cancelled(
    orchestration: OrchestrationFactory, temporal_client: Client
) -> None:
    orch = await orchestration(temporal_client, FAST)
    execution = await orch.new_execution()
    async with (
        orch.stigmer_worker(),
        Worker(
            temporal_client,
            task_queue=orch.config.runner_task_queue,
            activities=[run_until_cancelled],
        ),
    ):
        handle = await orch.start(execution)
        await _wait_for_pending_activity(temporal_client, handle.id)
        await orch.creator.cancel(execution.metadata.id, "user asked")
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
        await record_history(temporal_client, handle.id, "cancelled")
    assert isinstance(failure.value.cause, CancelledError)
    stored = await orch.stored(execution.metadata.id)
    assert stored.status.phase == Phase.EXECUTION_CANCELLED


async def test_duplicate_start_is_a_no_op(
    orchestration: OrchestrationFactory, temporal_client: Client
) -> None:
    orch = await orchestration(temporal_client, FAST)
    runner = FakeRunner()
    execution = await orch.new_execution()
    async with (
        orch.stigmer_worker(),
        Worker(
            temporal_client, task_queue=orch.config.runner_task_queue, activities=[runner.succeed]
        ),
    ):
        first = await orch.start(execution)
        second = await orch.start(execution)
        await first.result()
        third = await orch.start(execution)  # after it finished: never run again
    assert first.id == second.id == third.id
    assert runner.executions == [execution.metadata.id]
    runs = [w async for w in temporal_client.list_workflows(f"WorkflowId = '{first.id}'")]
    assert len(runs) == 1


async def test_cancel_of_an_execution_that_never_started(
    orchestration: OrchestrationFactory, temporal_client: Client
) -> None:
    orch = await orchestration(temporal_client, FAST)
    orch.services.executions.launcher = None  # API-only create: PENDING, no workflow started
    execution = await orch.new_execution()
    await orch.creator.cancel(execution.metadata.id, "not needed")
    stored = await orch.stored(execution.metadata.id)
    assert stored.status.phase == Phase.EXECUTION_CANCELLED
    assert stored.status.error == "cancelled: not needed"


async def _wait_for_pending_activity(client: Client, wid: str) -> None:
    for _ in range(100):
        description = await client.get_workflow_handle(wid).describe()
        if description.raw_description.pending_activities:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the activity never started")


def test_the_execution_id_is_read_from_the_payload_without_decoding_it() -> None:
    execution = wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(id="wex-42", name="n", org="o"),
        spec=wex.WorkflowExecutionSpec(workflow_id="wfl-1", input=wkt.Struct.from_dict({"a": 1})),
    )
    payload = StigmerPayloadConverter().to_payload(execution)
    assert payload is not None and payload.metadata["encoding"] == b"json/protobuf"
    assert execution_id_of(RawValue(payload)) == "wex-42"
    payload.data = json.dumps({"metadata": {"name": "no id"}}).encode()
    assert execution_id_of(RawValue(payload)) == ""
