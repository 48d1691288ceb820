"""The ``ExecuteServerlessWorkflow`` Temporal workflow: load, interpret, report progress."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from stigmer_dsl import definition_cache
from stigmer_dsl.errors import (
    DefinitionError,
    WorkflowError,
    definition_problem,
    describe,
    short_type,
)
from stigmer_protos.temporal_names import ENGINE_WORKFLOW_NAME, RECORD_SUBFLOW_STATUS_ACTIVITY
from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ApplicationError

from workflow_runner.engine.activities import EngineActivities
from workflow_runner.engine.config import EngineConfig
from workflow_runner.engine.contract import (
    EVENT_SIGNAL,
    PAUSE_SIGNAL,
    PENDING_LISTENS_QUERY,
    RESUME_SIGNAL,
    EngineInput,
    ResumeState,
    SubflowOutcome,
    engine_result_payload,
)
from workflow_runner.engine.events import DEDUPE_PATCH, EventInbox
from workflow_runner.engine.executor import ContinuePolicy, Executor
from workflow_runner.engine.pause import PauseGate
from workflow_runner.engine.progress import ProgressBuffer
from workflow_runner.engine.tasks import HANDLERS

SANDBOX_PASSTHROUGH: tuple[str, ...] = (
    "workflow_runner.engine",
    "stigmer_dsl",
    "jq",
    "jsonschema_rs",
    "yaml",
    "httpx",
    "regex",
)
"""Modules the worker's sandbox must pass through.

The engine package and the DSL library (``stigmer_dsl``, which the engine loads and checks
documents with) are passed through so the jq compile cache and the compiled DSL schema are
shared by every run; its workflow code only uses ``temporalio.workflow`` for time, timers,
randomness and activities, so it stays deterministic outside the sandbox's import guard.
"""


RECORD_ATTEMPT_TIMEOUT = timedelta(seconds=30)
RECORD_BUDGET = timedelta(minutes=10)
RECORD_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10), maximum_attempts=0)
"""A subflow's terminal phase is written with unlimited attempts within :data:`RECORD_BUDGET`:
the write is idempotent, and nothing else would record it (it has no orchestration workflow)."""

CONTINUE_AS_NEW_PATCH = "engine-continue-as-new"
"""``workflow.patched`` id guarding continue-as-new for executions started by older workers."""


def engine_activities(config: EngineConfig | None = None) -> list[Callable[..., Any]]:
    """Activities to register on the interpreter's task queue (``ReportTaskProgress`` excluded).

    Args:
        config: The worker's engine configuration (event sink, ``allow_run``, secret resolver);
            defaults to :meth:`EngineConfig.from_env`.
    """
    return EngineActivities(config).all()


def _application_error(error: dict[str, Any]) -> ApplicationError:
    return ApplicationError(
        describe(error),
        error,
        type=short_type(str(error.get("type", "runtime"))),
        non_retryable=True,
    )


# Unsandboxed: the engine's modules are passed through already (module state is shared by
# every run), so the sandbox only checked each activation's imports and builtins: a quarter
# of the runner's CPU per execution (ADR 0042). Replay tests with checked-in histories and the
# conformance corpora guard determinism; documents never run Python here (jq runs in the
# budgeted worker pool, scripts in activities).
@workflow.defn(name=ENGINE_WORKFLOW_NAME, sandboxed=False)
class ExecuteServerlessWorkflow:
    """Runs one Serverless Workflow DSL 1.0.x document with the spec's data-flow semantics.

    Long runs continue as new at safe points (before a top-level task, between iterations of a
    top-level ``for``) when Temporal suggests it or a limit of :class:`EngineInput` is reached;
    the next run gets the same input plus :class:`ResumeState`.

    CloudEvents for ``listen`` tasks arrive as the ``event`` signal (one JSON object each); the
    ``pending_listens`` query lists the ``listen`` tasks currently waiting.
    """

    def __init__(self) -> None:
        """Create the event inbox and pause gate (signals may arrive before ``run`` starts)."""
        self._events = EventInbox()
        self._output: Any = None
        self._pause = PauseGate()

    @workflow.signal(name=EVENT_SIGNAL)
    def event(self, event: Any) -> None:
        """Deliver one CloudEvent to the workflow's ``listen`` tasks."""
        self._events.receive(event, dedupe=workflow.patched(DEDUPE_PATCH))

    @workflow.signal(name=PAUSE_SIGNAL)
    def pause(self) -> None:
        """Start no further task until ``resume`` (the task in progress finishes)."""
        self._pause.pause()

    @workflow.signal(name=RESUME_SIGNAL)
    def resume(self) -> None:
        """Let tasks start again after ``pause``."""
        self._pause.resume()

    @workflow.query(name=PENDING_LISTENS_QUERY)
    def pending_listens(self) -> list[dict[str, Any]]:
        """The ``listen`` tasks waiting for events, with their strategy and counters."""
        return self._events.describe_pending()

    @workflow.run
    async def run(self, input: EngineInput) -> RawValue:
        """Run the document; a subflow (``records_status``) then records how it ended."""
        if not input.records_status:
            return await self._run(input)
        try:
            result = await self._run(input)
        except ApplicationError as exc:
            details = exc.details[0] if exc.details and isinstance(exc.details[0], dict) else None
            await _record(SubflowOutcome("FAILED", error=exc.message, details=details))
            raise
        except asyncio.CancelledError:
            await _record(SubflowOutcome("CANCELLED", error="cancelled"))
            raise
        await _record(SubflowOutcome("COMPLETED", output=self._output))
        return result

    async def _run(self, input: EngineInput) -> RawValue:
        """Validate and interpret ``input.workflow_yaml`` with ``input.input``.

        Returns:
            An :class:`EngineResult`, encoded here (:func:`engine_result_payload`).

        Raises:
            ApplicationError: Non-retryable, ``type`` = the DSL error's short type (e.g.
                ``communication``), ``details[0]`` = the RFC 7807 error dict.
        """
        progress = ProgressBuffer(input.execution_id, input.report_progress)
        resume = input.resume
        if resume is not None:
            progress.flushes = resume.progress_sequence
            self._events.restore(resume.events, resume.event_numbers, resume.events_received)
            self._pause.restore(resume.paused)
        try:
            definition = definition_cache.SHARED.load(input.workflow_yaml, input.allowed_activities)
        except DefinitionError as exc:
            error = definition_problem(exc)
            await progress.flush(final=True, workflow_status="FAILED", error=describe(error))
            raise _application_error(error) from None
        progress.spans.attributes = {
            "stigmer.workflow.name": str(definition.document.get("name", "")),
            "stigmer.workflow.version": str(definition.document.get("version", "")),
        }

        async def continue_as_new(state: ResumeState) -> None:
            workflow.continue_as_new(dataclasses.replace(input, resume=state))

        # Executions started before continue-as-new existed replay without it (a history
        # without the patch marker must not gain a ContinueAsNew command on replay).
        can_continue = resume is not None or workflow.patched(CONTINUE_AS_NEW_PATCH)
        policy = ContinuePolicy(
            continue_as_new=continue_as_new if can_continue else None,
            history_length_limit=input.history_length_limit,
            tasks_per_run_limit=input.tasks_per_run_limit,
        )
        executor = Executor(
            definition,
            input.execution_id,
            input.input,
            progress,
            HANDLERS,
            self._events,
            resume=resume,
            pause=self._pause,
            start_at=input.start_at,
            policy=policy,
            allowed_activities=input.allowed_activities,
        )
        try:
            output = await executor.run_workflow(input.input)
        except WorkflowError as exc:
            await progress.flush(final=True, workflow_status="FAILED", error=describe(exc.error))
            raise _application_error(exc.error) from None
        await progress.flush(final=True, output=output, workflow_status="COMPLETED")
        self._output = output
        return engine_result_payload(output)


async def _record(outcome: SubflowOutcome) -> None:
    """Write a subflow's terminal phase; a cancellation arriving meanwhile waits for it."""
    write = asyncio.ensure_future(
        workflow.execute_activity(
            RECORD_SUBFLOW_STATUS_ACTIVITY,
            outcome,
            start_to_close_timeout=RECORD_ATTEMPT_TIMEOUT,
            schedule_to_close_timeout=RECORD_BUDGET,
            retry_policy=RECORD_RETRY,
        )
    )
    try:
        await asyncio.shield(write)
    except asyncio.CancelledError:
        await write
        raise
