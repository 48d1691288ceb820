"""The interpreter: task lists and tasks with the data flow, flow directives and progress.

Task identity (progress ``task_id``): the task's JSON pointer followed by one ``[i]`` per
enclosing ``for`` iteration, outermost first, e.g. ``/do/0/outer/do/0/inner/do/0/step[1][0]``.
A ``for`` iteration row itself is ``<for pointer>[i]`` (with the enclosing suffixes before it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stigmer_dsl import dataflow, expressions
from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_dsl.durations import to_timedelta
from stigmer_dsl.errors import WorkflowError, describe, make_error
from stigmer_dsl.json_types import Json
from stigmer_dsl.loader import TaskNode, WorkflowDefinition
from stigmer_dsl.schema_validation import validate_data
from temporalio import workflow
from temporalio.exceptions import TemporalError

from workflow_runner.engine import evaluation
from workflow_runner.engine.context import CONTINUE, END, EXIT, Handler, Outcome, Scope, TaskRun
from workflow_runner.engine.contract import LoopResume, ResumeState, StartAt
from workflow_runner.engine.events import EventInbox
from workflow_runner.engine.pause import PauseGate
from workflow_runner.engine.progress import ProgressBuffer
from workflow_runner.engine.secret_references import SecretReferences
from workflow_runner.engine.secrets import secret_reads

ContinueAsNew = Callable[[ResumeState], Awaitable[None]]
"""Continues the workflow as new with the given state (never returns normally)."""


@dataclass(frozen=True)
class ContinuePolicy:
    """When the interpreter continues as new (see :class:`~workflow_runner.engine.EngineInput`).

    Attributes:
        continue_as_new: The workflow's continue-as-new; None disables it.
        history_length_limit: Continue once the run's history has this many events.
        tasks_per_run_limit: Continue after this many safe points in one run.
    """

    continue_as_new: ContinueAsNew | None = None
    history_length_limit: int | None = None
    tasks_per_run_limit: int | None = None


def rfc3339(moment: datetime) -> str:
    """ISO 8601 text of an aware datetime (parsed back with ``datetime.fromisoformat``)."""
    return moment.isoformat()


class Executor:
    """Interprets one workflow run; all state lives here and every step is deterministic."""

    def __init__(
        self,
        definition: WorkflowDefinition,
        execution_id: str,
        raw_input: Json,
        progress: ProgressBuffer,
        handlers: Mapping[str, Handler],
        events: EventInbox | None = None,
        *,
        resume: ResumeState | None = None,
        policy: ContinuePolicy | None = None,
        allowed_activities: Sequence[AllowedActivity] = (),
        pause: PauseGate | None = None,
        start_at: StartAt | None = None,
    ) -> None:
        """Prepare a run of ``definition`` with the workflow's raw input.

        ``resume`` continues a previous run at its position; ``policy`` says when this run
        continues as new (at the safe points: before a top-level task and between iterations
        of a top-level ``for``); ``allowed_activities`` is the runner's ``call: activity``
        allow-list (empty: none may run); ``pause`` holds task starts while the execution is
        paused.
        """
        self.definition = definition
        self.execution_id = execution_id
        self.progress = progress
        self.handlers = handlers
        self.events = events if events is not None else EventInbox()
        self.resume = resume
        self.policy = policy or ContinuePolicy()
        self.allowed_activities = tuple(allowed_activities)
        self.pause = pause if pause is not None else PauseGate()
        self.start_at = start_at
        self.pending_loop = resume.loop if resume is not None else None
        self.references = SecretReferences(resume.secret_references if resume else None)
        self.steps = 0
        self.workflow_timeout: float | None = None
        self.context: Json = resume.context if resume is not None else {}
        self.started_at = (
            datetime.fromisoformat(resume.started_at) if resume is not None else workflow.now()
        )
        self.base: dict[str, Json] = {
            "secrets": {},
            "runtime": dataflow.runtime_descriptor(),
            "workflow": dataflow.workflow_descriptor(
                execution_id, definition.raw, raw_input, self.started_at
            ),
        }

    @property
    def use(self) -> Mapping[str, Json]:
        """The document's ``use`` section."""
        return self.definition.use

    # -- expressions ---------------------------------------------------------------------------

    @staticmethod
    def now() -> float:
        """Epoch seconds of the workflow clock (jq ``now``)."""
        return workflow.now().timestamp()

    def arguments(self, scope: Scope | None = None, **values: Json) -> dict[str, Json]:
        """Variables for an expression: standard arguments, scope variables, site values."""
        base = {**self.base, "context": self.context}
        if scope is not None:
            base.update(scope.variables)
        return dataflow.arguments(base, **values)

    def task_arguments(
        self, run: TaskRun, data: Json, scope: Scope | None = None
    ) -> dict[str, Json]:
        """Variables for a task definition: ``$input`` = transformed input, ``$task``."""
        return self.arguments(scope or run.scope, input=data, task=run.descriptor)

    async def field(self, value: Json, data: Json, variables: Mapping[str, Json]) -> Json:
        """Evaluate an always-expression field (``if``, ``input.from``, ``when`` ...)."""
        return await evaluation.evaluate_field(value, data, variables, self.now())

    async def value(self, value: Json, data: Json, variables: Mapping[str, Json]) -> Json:
        """Evaluate the ``${ }`` strings inside a task definition value."""
        return await evaluation.evaluate_value(value, data, variables, self.now())

    async def timeout_of(
        self, spec: Mapping[str, Json], data: Json, variables: Mapping[str, Json]
    ) -> float | None:
        """Seconds of a task/workflow ``timeout`` (inline or ``use.timeouts`` reference)."""
        timeout = spec.get("timeout")
        if timeout is None:
            return None
        if isinstance(timeout, str):
            timeout = self.definition.use["timeouts"][timeout]
        seconds: float = (await self.duration(timeout["after"], data, variables)).total_seconds()
        return seconds

    async def duration(self, value: Json, data: Json, variables: Mapping[str, Json]) -> timedelta:
        """Evaluate a DSL duration into a ``timedelta``."""
        evaluated = await self.value(value, data, variables)
        try:
            return to_timedelta(evaluated)
        except ValueError as exc:
            raise make_error("validation", str(exc), title="Invalid duration") from None

    # -- task lists ----------------------------------------------------------------------------

    async def run_list(
        self, nodes: Sequence[TaskNode], data: Json, scope: Scope
    ) -> tuple[Json, str]:
        """Run a task list from its first task, following flow directives.

        Returns:
            The last transformed output and how the list ended: ``continue`` (ran off its end),
            ``exit`` (a task said exit) or ``end`` (a task ended the workflow).
        """
        index_of = {node.name: i for i, node in enumerate(nodes)}
        i = 0
        while i < len(nodes):
            data, directive = await self.run_task(nodes[i], data, scope)
            if directive in (END, EXIT):
                return data, directive
            i = i + 1 if directive == CONTINUE else index_of[directive]
        return data, CONTINUE

    # -- one task ------------------------------------------------------------------------------

    async def run_task(
        self, node: TaskNode, raw_input: Json, scope: Scope, *, top: bool = False
    ) -> tuple[Json, str]:
        """Run one task through the data-flow steps; return (transformed output, directive).

        ``top``: a top-level task, whose row also records ``$context`` (a re-run may start
        there).
        """
        task_id = node.pointer + scope.suffix
        resume = self._take_loop_resume(node, scope)
        if resume is None and self.pause.paused:
            await self.progress.flush()  # what finished before the pause is shown while it lasts
            await self.pause.wait()
        started_at = workflow.now()
        if resume is not None:
            raw_input, started_at = resume.raw_input, datetime.fromisoformat(resume.started_at)
        spec = node.spec
        descriptor = dataflow.task_descriptor(node.name, node.pointer, spec, raw_input, started_at)
        run = TaskRun(node, scope, task_id, raw_input, started_at, descriptor, resume)
        try:
            if resume is not None:
                task_input = resume.task_input
            else:
                if "if" in spec:
                    condition = await self.field(
                        spec["if"], raw_input, self.arguments(scope, task=descriptor)
                    )
                    if not expressions.truthy(condition):
                        self.progress.skip(task_id, node.name, node.kind, raw_input)
                        return raw_input, CONTINUE
                self.progress.start(
                    task_id, node.name, node.kind, raw_input, context=self.context if top else None
                )
                task_input = await self.transform_input(
                    spec, raw_input, self.arguments(scope, task=descriptor)
                )
            variables = self.arguments(scope, input=task_input, task=descriptor)
            timeout = await self.timeout_of(spec, task_input, variables)
            if timeout is not None and run.resume is not None:
                elapsed = (workflow.now() - run.started_at).total_seconds()
                timeout = max(0.0, timeout - elapsed)
            outcome = await self.with_timeout(
                self.handlers[node.kind](self, run, task_input), timeout, node.pointer
            )
            if outcome.directive == END:
                self.progress.finish(task_id, "COMPLETED", output=outcome.output)
                return outcome.output, END
            descriptor = {**descriptor, "output": outcome.output}
            variables = self.arguments(
                scope, input=task_input, task=descriptor, authorization=outcome.authorization
            )
            output = await self.transform_output(spec, outcome.output, variables)
            await self.export(spec, output, {**variables, "output": output})
        except WorkflowError as exc:
            exc.with_instance(node.pointer)
            self.progress.finish(task_id, "FAILED", error=describe(exc.error))
            raise
        except asyncio.CancelledError:
            self.progress.finish(task_id, "FAILED", error="cancelled")
            raise
        except TemporalError:
            raise
        except Exception as exc:  # an engine bug must fault the run, not hang it
            error = make_error(
                "runtime",
                f"{type(exc).__name__}: {exc}",
                title="Runtime error",
                instance=node.pointer,
            )
            self.progress.finish(task_id, "FAILED", error=describe(error.error))
            raise error from exc
        self.progress.finish(task_id, "COMPLETED", output=output)
        await self.progress.flush_when_full()
        directive = outcome.directive or spec.get("then") or CONTINUE
        return output, directive

    def _take_loop_resume(self, node: TaskNode, scope: Scope) -> LoopResume | None:
        """The carried ``for`` state when ``node`` is the top-level task a run resumes in."""
        loop, resume = self.pending_loop, self.resume
        if loop is None or resume is None or scope.suffix or scope.variables:
            return None
        if self.definition.tasks[resume.task_index] is not node:
            return None
        self.pending_loop = None
        self.progress.start(
            node.pointer, node.name, node.kind, loop.raw_input, started_at=loop.started_at
        )
        return loop

    async def with_timeout(
        self, work: Awaitable[Outcome], seconds: float | None, pointer: str
    ) -> Outcome:
        """Await ``work``, raising a DSL timeout error (408) after ``seconds`` if set."""
        if seconds is None:
            return await work
        try:
            return await asyncio.wait_for(work, timeout=seconds)
        except TimeoutError:
            raise make_error(
                "timeout",
                f"timed out after {seconds:g}s",
                title="Timeout",
                status=408,
                instance=pointer,
            ) from None

    # -- data flow steps -----------------------------------------------------------------------

    async def transform_input(
        self, spec: Mapping[str, Json], raw: Json, variables: Mapping[str, Json]
    ) -> Json:
        """Validate raw input against ``input.schema`` then apply ``input.from``."""
        conf = spec.get("input") or {}
        if "schema" in conf:
            validate_data(conf["schema"], raw, "input")
        if "from" in conf:
            return await self.field(
                conf["from"], raw, self._with_secret_references(conf["from"], variables)
            )
        return raw

    def _with_secret_references(
        self, value: Json, variables: Mapping[str, Json]
    ) -> Mapping[str, Json]:
        """``variables`` with ``$secrets`` as references when ``value`` reads it (ADR 0029)."""
        reads = [
            secret_reads(expr)
            for expr in expressions.expressions_in(value, whole=True)
            if "secrets" in expressions.scan(expr).variables
        ]
        if not reads:
            return variables
        declared = self.definition.use.get("secrets")
        names = None if declared is None else [str(name) for name in declared]
        tree: dict[str, Json] = {}
        for read in reads:
            tree.update(self.references.secrets_argument(read, names))
        return {**variables, "secrets": tree}

    async def transform_output(
        self, spec: Mapping[str, Json], raw: Json, variables: Mapping[str, Json]
    ) -> Json:
        """Apply ``output.as`` then validate against ``output.schema``."""
        conf = spec.get("output") or {}
        output = await self.field(conf["as"], raw, variables) if "as" in conf else raw
        if "schema" in conf:
            validate_data(conf["schema"], output, "output")
        return output

    async def export(
        self, spec: Mapping[str, Json], output: Json, variables: Mapping[str, Json]
    ) -> None:
        """Apply ``export.as`` to set ``$context``, then validate it against ``export.schema``."""
        conf = spec.get("export") or {}
        if "as" in conf:
            self.context = await self.field(conf["as"], output, variables)
        if "schema" in conf:
            validate_data(conf["schema"], self.context, "exported context")

    # -- whole workflow ------------------------------------------------------------------------

    async def run_workflow(self, raw_input: Json) -> Json:
        """Run the top-level ``do`` with workflow input/output processing and timeout.

        A continued run (``resume``) skips the workflow input processing and starts at the
        carried task; the workflow ``timeout`` keeps counting from the first run's start.
        """
        spec = self.definition.raw
        variables = self.arguments()
        try:
            if self.resume is None and self.start_at is not None:
                # A re-run: the workflow input was processed by the original run.
                data, start = self.start_at.data, self.start_index(self.start_at.task)
                self.context = self.start_at.context if self.start_at.context is not None else {}
                self.workflow_timeout = await self.timeout_of(spec, data, variables)
            elif self.resume is None:
                data = await self.transform_input(spec, raw_input, variables)
                start = 0
                self.workflow_timeout = await self.timeout_of(spec, data, variables)
            else:
                data, start = self.resume.data, self.resume.task_index
                self.workflow_timeout = self.resume.timeout_seconds
            timeout = self.workflow_timeout
            if timeout is not None:
                elapsed = (workflow.now() - self.started_at).total_seconds()
                timeout = max(0.0, timeout - elapsed)
            outcome = await self.with_timeout(self._top(data, start), timeout, "/")
            return await self.transform_output(spec, outcome.output, self.arguments())
        except WorkflowError as exc:
            exc.with_instance("/")
            raise

    def start_index(self, pointer: str) -> int:
        """The index of the top-level task at ``pointer``.

        Raises:
            WorkflowError: ``validation``: no top-level task has that pointer.
        """
        for i, node in enumerate(self.definition.tasks):
            if node.pointer == pointer:
                return i
        raise make_error(
            "validation",
            f"a re-run starts at a top-level task; {pointer!r} is not one of this document's",
            title="Invalid re-run",
            instance=pointer,
        )

    async def _top(self, data: Json, start: int) -> Outcome:
        """The top-level task list (like :meth:`run_list`) with continue-as-new safe points."""
        nodes = self.definition.tasks
        index_of = {node.name: i for i, node in enumerate(nodes)}
        i = start
        while i < len(nodes):
            await self.safe_point(i, data)
            data, directive = await self.run_task(nodes[i], data, Scope(), top=True)
            self.steps += 1
            if directive in (END, EXIT):
                break
            i = i + 1 if directive == CONTINUE else index_of[directive]
        return Outcome(data)

    # -- continue-as-new -----------------------------------------------------------------------

    def should_continue_as_new(self) -> bool:
        """Whether this run should continue as new at the current safe point."""
        policy = self.policy
        if policy.continue_as_new is None or self.steps == 0:
            return False
        info = workflow.info()
        if info.is_continue_as_new_suggested():
            return True
        limit = policy.history_length_limit
        if limit is not None and info.get_current_history_length() >= limit:
            return True
        return policy.tasks_per_run_limit is not None and self.steps >= policy.tasks_per_run_limit

    async def safe_point(self, task_index: int, data: Json, loop: LoopResume | None = None) -> None:
        """Continue as new here if the policy says so, carrying the position and data.

        Args:
            task_index: The top-level task to run next (or the ``for`` task to resume in).
            data: That task's raw input.
            loop: The ``for`` state when stopping between iterations of top-level task
                ``task_index``.
        """
        if self.policy.continue_as_new is None or not self.should_continue_as_new():
            return
        await self.progress.flush()
        if self.progress.pending:
            # The report failed (best effort); rows are not carried across runs, so keep
            # going in this run and try again at the next safe point.
            return
        buffered = self.events.events
        state = ResumeState(
            task_index=task_index,
            data=data,
            context=self.context,
            started_at=rfc3339(self.started_at),
            timeout_seconds=self.workflow_timeout,
            runs=(self.resume.runs + 1) if self.resume is not None else 1,
            progress_sequence=self.progress.flushes,
            events=[event for _, event in buffered],
            event_numbers=[number for number, _ in buffered],
            events_received=self.events.received,
            loop=loop,
            secret_references=self.references.minted,
            paused=self.pause.paused,
        )
        await self.policy.continue_as_new(state)

    async def loop_safe_point(
        self, run: TaskRun, next_index: int, current: Json, items: list[Json], task_input: Json
    ) -> None:
        """A safe point between two iterations of a top-level ``for`` task (else a no-op)."""
        if run.scope.suffix or run.scope.variables:
            return
        nodes = self.definition.tasks
        index = next((i for i, node in enumerate(nodes) if node is run.node), None)
        if index is None:
            return
        self.steps += 1
        loop = LoopResume(
            next_index=next_index,
            current=current,
            items=items,
            raw_input=run.raw_input,
            task_input=task_input,
            started_at=rfc3339(run.started_at),
        )
        await self.safe_point(index, run.raw_input, loop)
