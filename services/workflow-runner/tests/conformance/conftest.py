"""Conformance fixtures: the shared spec corpus, a loopback stub and an engine runner."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from stigmer_dsl.kinds import for_
from stigmer_protos.temporal import sandbox_runner
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.progress_sink import ProgressSink
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker
from workflow_runner.conformance.ctk import Observation, TaskRow
from workflow_runner.conformance.stub import StubServer
from workflow_runner.engine import (
    ENGINE_WORKFLOW_NAME,
    SANDBOX_PASSTHROUGH,
    EngineConfig,
    EngineInput,
    EngineResult,
    ExecuteServerlessWorkflow,
    ProgressBatch,
    engine_activities,
)

REPO = Path(__file__).resolve().parents[4]
SPEC = REPO.parent / "shared" / "spec"


def spec_dir() -> Path:
    """``<repo>/../shared/spec``; the conformance modules skip when it is absent."""
    return SPEC


def rows_in_start_order(sink: ProgressSink[ProgressBatch]) -> list[TaskRow]:
    """Latest state of every task row (iterations apart), ordered by when it first appeared."""
    return [
        TaskRow(row.task_name, row.status, row.output, {"detail": row.error} if row.error else None)
        for row in sink.latest().values()
        if row.task_kind != for_.ITERATION
    ]


async def execute(
    client: Client,
    task_queue: str,
    definition: str,
    workflow_input: Any = None,
    *,
    config: EngineConfig | None = None,
) -> Observation:
    """Run a document through the real engine on a fresh worker; return what happened."""
    sink = ProgressSink(ProgressBatch)
    observation = Observation()
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ExecuteServerlessWorkflow],
        activities=[*engine_activities(config or EngineConfig()), sink.report],
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    ):
        execution_id = f"exec-{uuid.uuid4()}"
        try:
            result = await client.execute_workflow(
                ENGINE_WORKFLOW_NAME,
                EngineInput(
                    execution_id=execution_id,
                    workflow_yaml=definition,
                    input=workflow_input,
                ),
                id=interpreter_workflow_id(execution_id),
                task_queue=task_queue,
                result_type=EngineResult,
            )
            observation.output = result.output
        except WorkflowFailureError as exc:
            cause = exc.cause
            assert isinstance(cause, ApplicationError), repr(cause)
            details = cause.details
            observation.error = (
                dict(details[0])
                if details and isinstance(details[0], dict)
                else {"detail": str(cause)}
            )
    observation.tasks = rows_in_start_order(sink)
    return observation


Execute = Callable[..., Any]


@pytest.fixture(scope="session")
def stub() -> Iterator[StubServer]:
    """The loopback stand-in for petstore.swagger.io and httpbin.org."""
    server = StubServer().start()
    yield server
    server.stop()


@pytest.fixture
def run_document(temporal_client: Client, task_queue: str) -> Execute:
    """``await run_document(yaml, input, config=...)`` -> :class:`Observation`."""

    async def runner(definition: str, workflow_input: Any = None, **kwargs: Any) -> Observation:
        return await execute(temporal_client, task_queue, definition, workflow_input, **kwargs)

    return runner
