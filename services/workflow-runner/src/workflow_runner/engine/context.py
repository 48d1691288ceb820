"""What a task kind's handler sees of the interpreter: :class:`TaskContext` and its values.

Handlers (``engine/tasks/*``) get the running task (:class:`TaskRun`) and a narrow context
instead of the whole :class:`~workflow_runner.engine.executor.Executor`: evaluate expressions,
run a sub-list or a task, report progress, hand requests to activities (with the secret
references), read ``use`` and the event inbox. Timers, the workflow clock and activity
scheduling are Temporal's ``workflow`` API, which handlers call directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_dsl.json_types import Json
from stigmer_dsl.loader import TaskNode

from workflow_runner.engine.contract import LoopResume
from workflow_runner.engine.events import EventInbox
from workflow_runner.engine.secret_references import SecretReferences

CONTINUE, EXIT, END = "continue", "exit", "end"


@dataclass(frozen=True)
class Scope:
    """Where a task runs: extra ``$variables`` (loop items, caught errors) and iteration suffix."""

    variables: Mapping[str, Json] = field(default_factory=dict)
    suffix: str = ""

    def child(self, variables: Mapping[str, Json], index: int | None = None) -> Scope:
        """Return a nested scope with more variables and, for an iteration, one more index."""
        suffix = self.suffix if index is None else f"{self.suffix}[{index}]"
        return Scope({**self.variables, **variables}, suffix)


@dataclass(frozen=True)
class Outcome:
    """What a task kind produced: its raw output and, optionally, the flow directive to follow.

    ``authorization`` is ``$authorization`` of a task with authentication (for its
    ``output.as`` and ``export.as``).
    """

    output: Json
    directive: str | None = None
    authorization: Mapping[str, Json] | None = None


@dataclass(frozen=True)
class TaskRun:
    """A running task as seen by its kind's handler.

    Attributes:
        node: The task.
        scope: Its scope.
        task_id: Its progress id.
        raw_input: The task input before ``input.from``.
        started_at: Workflow time at start.
        descriptor: ``$task`` while the task runs.
        resume: The carried ``for`` state when a continued run resumes inside this task.
    """

    node: TaskNode
    scope: Scope
    task_id: str
    raw_input: Json
    started_at: datetime
    descriptor: Mapping[str, Json] = field(default_factory=dict)
    resume: LoopResume | None = None


class ProgressLog(Protocol):
    """The progress rows a handler writes (iterations) and flushes (before it waits)."""

    def start(self, task_id: str, name: str, kind: str, task_input: Json) -> None:
        """Record that a task (or iteration) started."""
        ...

    def finish(
        self, task_id: str, status: str, *, output: Json = None, error: str | None = None
    ) -> None:
        """Record the end of a started row."""
        ...

    def link(self, task_id: str, child_execution_id: str) -> None:
        """Record that a started task started the subflow execution ``child_execution_id``."""
        ...

    def annotate(self, task_id: str, *, listen: Json) -> None:
        """Attach a ``listen`` task's routing description to its started row."""
        ...

    async def flush(self) -> None:
        """Send the changed rows (before the workflow waits on an activity, timer or event)."""
        ...


class TaskContext(Protocol):
    """The interpreter as a task kind's handler uses it."""

    @property
    def execution_id(self) -> str:
        """The execution's id (activities report and resolve secrets with it)."""
        ...

    @property
    def use(self) -> Mapping[str, Json]:
        """The document's ``use`` section (errors, retries, authentications, secrets ...)."""
        ...

    @property
    def progress(self) -> ProgressLog:
        """The run's progress rows."""
        ...

    @property
    def references(self) -> SecretReferences:
        """The run's secret references (attached to activity requests)."""
        ...

    @property
    def allowed_activities(self) -> Sequence[AllowedActivity]:
        """The runner's ``call: activity`` allow-list."""
        ...

    @property
    def events(self) -> EventInbox:
        """The events delivered to the run (``listen``)."""
        ...

    def now(self) -> float:
        """Epoch seconds of the workflow clock (jq ``now``)."""
        ...

    def arguments(self, scope: Scope | None = None, **values: Json) -> dict[str, Json]:
        """Variables for an expression: standard arguments, scope variables, site values."""
        ...

    def task_arguments(
        self, run: TaskRun, data: Json, scope: Scope | None = None
    ) -> dict[str, Json]:
        """Variables for a task definition: ``$input`` = transformed input, ``$task``."""
        ...

    async def field(self, value: Json, data: Json, variables: Mapping[str, Json]) -> Json:
        """Evaluate an always-expression field (``when``, ``for.in`` ...)."""
        ...

    async def value(self, value: Json, data: Json, variables: Mapping[str, Json]) -> Json:
        """Evaluate the ``${ }`` strings inside a task definition value."""
        ...

    async def duration(self, value: Json, data: Json, variables: Mapping[str, Json]) -> timedelta:
        """Evaluate a DSL duration."""
        ...

    async def run_list(
        self, nodes: Sequence[TaskNode], data: Json, scope: Scope
    ) -> tuple[Json, str]:
        """Run a sub-task list; return its last output and how it ended."""
        ...

    async def run_task(self, node: TaskNode, raw_input: Json, scope: Scope) -> tuple[Json, str]:
        """Run one task through the data flow; return its output and directive."""
        ...

    async def transform_output(
        self, spec: Mapping[str, Json], raw: Json, variables: Mapping[str, Json]
    ) -> Json:
        """Apply ``output.as`` and ``output.schema`` of ``spec``."""
        ...

    async def export(
        self, spec: Mapping[str, Json], output: Json, variables: Mapping[str, Json]
    ) -> None:
        """Apply ``export.as`` and ``export.schema`` of ``spec``."""
        ...

    async def loop_safe_point(
        self, run: TaskRun, next_index: int, current: Json, items: list[Json], task_input: Json
    ) -> None:
        """A continue-as-new safe point between two iterations of a top-level ``for``."""
        ...


Handler = Callable[[TaskContext, TaskRun, Json], Awaitable[Outcome]]
"""A task kind's ``run``: the raw output (and directive) of the task from its input."""
