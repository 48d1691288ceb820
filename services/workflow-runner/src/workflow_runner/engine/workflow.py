"""The ``ExecuteServerlessWorkflow`` Temporal workflow: load, interpret, report progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflow_runner.engine.activities.http_call import http_call
from workflow_runner.engine.contract import ENGINE_WORKFLOW_NAME, EngineInput, EngineResult
from workflow_runner.engine.errors import (
    DefinitionError,
    WorkflowError,
    describe,
    error_type,
    short_type,
)
from workflow_runner.engine.executor import Executor
from workflow_runner.engine.loader import load_workflow
from workflow_runner.engine.progress import ProgressBuffer
from workflow_runner.engine.tasks import HANDLERS

SANDBOX_PASSTHROUGH: tuple[str, ...] = (
    "workflow_runner.engine",
    "jq",
    "jsonschema_rs",
    "yaml",
    "httpx",
)
"""Modules the worker's sandbox must pass through.

The engine package itself is passed through so its jq compile cache and compiled DSL schema are
shared by every run; its workflow code only uses ``temporalio.workflow`` for time, timers,
randomness and activities, so it stays deterministic outside the sandbox's import guard.
"""


def engine_activities() -> list[Callable[..., Any]]:
    """Activities to register on the interpreter's task queue (``ReportTaskProgress`` excluded)."""
    return [http_call]


def _application_error(error: dict[str, Any]) -> ApplicationError:
    return ApplicationError(
        describe(error),
        error,
        type=short_type(str(error.get("type", "runtime"))),
        non_retryable=True,
    )


@workflow.defn(name=ENGINE_WORKFLOW_NAME)
class ExecuteServerlessWorkflow:
    """Runs one Serverless Workflow DSL 1.0.x document with the spec's data-flow semantics."""

    @workflow.run
    async def run(self, input: EngineInput) -> EngineResult:
        """Validate and interpret ``input.workflow_yaml`` with ``input.input``.

        Raises:
            ApplicationError: Non-retryable, ``type`` = the DSL error's short type (e.g.
                ``communication``), ``details[0]`` = the RFC 7807 error dict.
        """
        progress = ProgressBuffer(input.execution_id, input.report_progress)
        try:
            definition = load_workflow(input.workflow_yaml)
        except DefinitionError as exc:
            error = {
                "type": error_type("configuration"),
                "status": 400,
                "title": "Invalid workflow definition",
                "detail": "; ".join(exc.problems),
                "instance": "/",
            }
            await progress.flush(final=True, workflow_status="FAILED", error=describe(error))
            raise _application_error(error) from None
        executor = Executor(definition, input.execution_id, input.input, progress, HANDLERS)
        try:
            output = await executor.run_workflow(input.input)
        except WorkflowError as exc:
            await progress.flush(final=True, workflow_status="FAILED", error=describe(exc.error))
            raise _application_error(exc.error) from None
        await progress.flush(final=True, output=output, workflow_status="COMPLETED")
        return EngineResult(output=output)
