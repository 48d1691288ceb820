"""Engine test fixtures: run a DSL document on a real Temporal server, recording progress."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from stigmer_protos.temporal import sandbox_runner
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.progress_sink import ProgressSink
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
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


@dataclass
class Run:
    """Outcome of one engine run."""

    output: Any = None
    error: ApplicationError | None = None
    sink: ProgressSink[ProgressBatch] = field(default_factory=lambda: ProgressSink(ProgressBatch))
    workflow_id: str = ""
    first_run_id: str = ""

    @property
    def error_dict(self) -> dict[str, Any]:
        assert self.error is not None, f"expected a failure, got output {self.output!r}"
        details = self.error.details
        assert details and isinstance(details[0], dict)
        return details[0]


Runner = Callable[..., Awaitable[Run]]


async def run_engine(
    client: Client,
    task_queue: str,
    workflow_yaml: str,
    workflow_input: Any = None,
    *,
    report_progress: bool = True,
    extra_activities: list[Callable[..., Any]] | None = None,
    config: EngineConfig | None = None,
    input_options: dict[str, Any] | None = None,
    start_options: dict[str, Any] | None = None,
) -> Run:
    """Start a worker, execute the engine workflow, and return its output or failure.

    ``input_options`` are extra :class:`EngineInput` fields; ``start_options`` extra
    ``Client.start_workflow`` arguments (e.g. ``start_signal``).
    """
    run = Run()
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ExecuteServerlessWorkflow],
        activities=[
            *engine_activities(config or EngineConfig()),
            run.sink.report,
            *(extra_activities or []),
        ],
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    ):
        execution_id = f"exec-{uuid.uuid4()}"
        try:
            handle = await client.start_workflow(
                ENGINE_WORKFLOW_NAME,
                EngineInput(
                    execution_id=execution_id,
                    workflow_yaml=workflow_yaml,
                    input=workflow_input,
                    report_progress=report_progress,
                    **(input_options or {}),
                ),
                # Activities fetch secrets and report progress only for interpreter workflows.
                id=interpreter_workflow_id(execution_id),
                task_queue=task_queue,
                result_type=EngineResult,
                **(start_options or {}),
            )
            run.workflow_id, run.first_run_id = handle.id, handle.first_execution_run_id or ""
            result = await handle.result()
            run.output = result.output
        except WorkflowFailureError as exc:
            assert isinstance(exc.cause, ApplicationError), repr(exc.cause)
            run.error = exc.cause
    return run


@pytest.fixture
def engine(temporal_client: Client, task_queue: str) -> Runner:
    """``await engine(yaml, input)`` runs a document on the dev server."""

    async def runner(workflow_yaml: str, workflow_input: Any = None, **kwargs: Any) -> Run:
        return await run_engine(
            temporal_client, task_queue, workflow_yaml, workflow_input, **kwargs
        )

    return runner


@pytest.fixture
def skipping_engine(time_skipping_env: WorkflowEnvironment, task_queue: str) -> Runner:
    """``await skipping_engine(yaml, input)`` runs a document on the time-skipping server."""

    async def runner(workflow_yaml: str, workflow_input: Any = None, **kwargs: Any) -> Run:
        return await run_engine(
            time_skipping_env.client, task_queue, workflow_yaml, workflow_input, **kwargs
        )

    return runner
