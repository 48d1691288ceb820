"""The engine's public contract: names and Temporal-serializable values other services use."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_protos import temporal_names
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue

EVENT_SIGNAL = temporal_names.EVENT_SIGNAL
PAUSE_SIGNAL = temporal_names.PAUSE_SIGNAL
RESUME_SIGNAL = temporal_names.RESUME_SIGNAL
"""Signal delivering one CloudEvent (a JSON object) to the workflow's ``listen`` tasks."""

PENDING_LISTENS_QUERY = "pending_listens"
"""Query returning the ``listen`` tasks currently waiting for events."""

TASK_STATUSES = ("IN_PROGRESS", "COMPLETED", "FAILED", "SKIPPED")


@dataclass(frozen=True)
class LoopResume:
    """Where a continued run resumes a top-level ``for`` task.

    Attributes:
        next_index: The iteration to run next.
        current: The data entering that iteration (the previous iteration's output).
        items: The collection ``for.in`` produced when the task started.
        raw_input: The ``for`` task's raw input (``$task.input``).
        task_input: The ``for`` task's transformed input (after ``input.from``).
        started_at: RFC 3339 workflow time the ``for`` task started.
    """

    next_index: int
    current: Any
    items: list[Any]
    raw_input: Any
    task_input: Any
    started_at: str


@dataclass(frozen=True)
class ResumeState:
    """The interpreter's position, carried by continue-as-new to the next run.

    The previous run flushed its progress rows before continuing, so none are carried.

    Attributes:
        task_index: Index of the top-level task to run next.
        data: That task's raw input (the previous top-level task's output).
        context: ``$context``.
        started_at: RFC 3339 workflow time of the first run (``$workflow.startedAt``; the
            workflow ``timeout`` counts from it).
        timeout_seconds: The workflow ``timeout`` evaluated by the first run, if any.
        runs: How many runs came before this one.
        progress_sequence: ``ProgressBatch.sequence`` of the previous run's last flush.
        events: Buffered CloudEvents no ``listen`` consumed yet, oldest first.
        event_numbers: Arrival numbers of ``events``.
        events_received: Events received so far.
        loop: Set when resuming inside the top-level ``for`` task at ``task_index``.
        secret_references: Secret reference tokens minted so far, with what each stands for
            (see :mod:`~workflow_runner.engine.secret_references`).
        paused: Whether the execution was paused (see :mod:`~workflow_runner.engine.pause`).
    """

    task_index: int
    data: Any
    context: Any
    started_at: str
    timeout_seconds: float | None = None
    runs: int = 1
    progress_sequence: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    event_numbers: list[int] = field(default_factory=list)
    events_received: int = 0
    loop: LoopResume | None = None
    secret_references: dict[str, Any] = field(default_factory=dict)
    paused: bool = False


@dataclass(frozen=True)
class StartAt:
    """Where a re-run starts (docs/operating-executions.md): a top-level task, with the raw
    input and ``$context`` that task had in the original run (or a patched input).

    Attributes:
        task: The top-level task's JSON pointer (``/do/<i>/<name>``).
        data: Its raw input.
        context: ``$context`` when it started.
    """

    task: str
    data: Any = None
    context: Any = None


@dataclass(frozen=True)
class EngineInput:
    """Input of the ``ExecuteServerlessWorkflow`` workflow.

    Attributes:
        execution_id: The Stigmer execution id; echoed in progress batches and ``$workflow.id``.
        workflow_yaml: The DSL 1.0.x document (YAML or JSON text).
        input: The raw workflow input (``$workflow.input``, unchanged across runs).
        report_progress: Whether to call the ``ReportTaskProgress`` local activity.
        history_length_limit: Continue as new at the next safe point once the run's history has
            this many events (Temporal's own suggestion is always honoured too).
        tasks_per_run_limit: Continue as new after this many safe points (top-level tasks and
            top-level ``for`` iterations) in one run; for tests and to bound a run's history.
        resume: Set by continue-as-new: where the previous run stopped. None on a first run.
        allowed_activities: The runner operator's ``call: activity`` allow-list (trusted: set by
            the runner, never by the document). Empty: no ``call: activity`` may run.
        records_status: True for a ``run: workflow`` subflow (ADR 0036): it has no
            orchestration workflow of its own, so the run records its terminal phase itself.
        start_at: Set for a re-run: start at that top-level task instead of the first.
    """

    execution_id: str
    workflow_yaml: str
    input: Any = None
    report_progress: bool = True
    history_length_limit: int | None = None
    tasks_per_run_limit: int | None = None
    resume: ResumeState | None = None
    allowed_activities: list[AllowedActivity] = field(default_factory=list)
    records_status: bool = False
    start_at: StartAt | None = None


@dataclass(frozen=True)
class TaskProgress:
    """One progress row of one DSL task (or loop iteration), upserted by ``task_id``.

    Attributes:
        task_id: JSON pointer of the task plus one ``[i]`` suffix per enclosing ``for`` iteration.
        task_name: The task's name in its task list.
        task_kind: ``set``, ``call.http``, ``for``, ``for.iteration``, ``fork`` ...
        status: One of ``IN_PROGRESS``, ``COMPLETED``, ``FAILED``, ``SKIPPED``.
        started_at: RFC 3339 workflow time at start.
        completed_at: RFC 3339 workflow time at the end, if ended.
        input: The task's transformed input (size capped).
        output: The task's transformed output (size capped).
        error: ``title: detail (at instance)`` when failed.
        children: The executions of the ``run: workflow`` subflows the task started.
        listen: A ``listen`` task's filters as the event ingress indexes them (ADR 0037).
        context: ``$context`` when a top-level task started (size capped), for re-runs.
    """

    task_id: str
    task_name: str
    task_kind: str
    status: str
    started_at: str | None = None
    completed_at: str | None = None
    input: Any = None
    output: Any = None
    error: str | None = None
    children: list[str] | None = None
    listen: Any = None
    context: Any = None


@dataclass(frozen=True)
class ProgressBatch:
    """Rows changed since the previous flush, sent to ``ReportTaskProgress``.

    Attributes:
        execution_id: The execution the rows belong to. Informational only: the progress
            activity reports for the execution whose interpreter workflow scheduled it.
        tasks: Changed rows, latest state of each ``task_id``, in first-change order.
        output: The workflow output (size capped) on the final batch of a successful run.
        sequence: 1-based flush counter within the run.
        final: True on the last batch of the run.
        workflow_status: ``COMPLETED`` or ``FAILED`` on the final batch, else None.
        error: The readable workflow error on a failed final batch.
    """

    execution_id: str
    tasks: list[TaskProgress] = field(default_factory=list)
    output: Any = None
    sequence: int = 0
    final: bool = False
    workflow_status: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form Temporal's converter writes for this batch (``dataclasses.asdict``),
        built without copying the rows' values.

        ``asdict`` deep-copies every input, output and ``$context`` of every row (about 0.1 ms
        a row in workflow code, where the sandbox wraps each ``isinstance``); the values are
        JSON already and never changed once in a row, so they are shared instead.
        """
        encoded = {name: getattr(self, name) for name in _PROGRESS_BATCH_NAMES}
        encoded["tasks"] = [
            {name: getattr(row, name) for name in _TASK_PROGRESS_NAMES} for row in self.tasks
        ]
        return encoded

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ProgressBatch:
        """The batch ``value`` holds, as Temporal's JSON converter wrote it; keys this version
        does not know are ignored (as that converter ignores them).

        The converter's own typed decoding resolves each row's type hints again (about 0.15 ms
        a row); a batch can hold thousands of rows.
        """
        rows = [
            TaskProgress(**{k: v for k, v in row.items() if k in _TASK_PROGRESS_FIELDS})
            for row in value.get("tasks") or ()
        ]
        known = {k: v for k, v in value.items() if k in _PROGRESS_BATCH_FIELDS and k != "tasks"}
        return cls(**known, tasks=rows)


_TASK_PROGRESS_NAMES = tuple(f.name for f in fields(TaskProgress))
_PROGRESS_BATCH_NAMES = tuple(f.name for f in fields(ProgressBatch))
_TASK_PROGRESS_FIELDS = frozenset(_TASK_PROGRESS_NAMES)
_PROGRESS_BATCH_FIELDS = frozenset(_PROGRESS_BATCH_NAMES)


@dataclass(frozen=True)
class SubflowRequest:
    """What a ``run: workflow`` task asks the runner to create (ADR 0036).

    The parent execution is not named here: the activity serves the execution whose
    interpreter workflow scheduled it.

    Attributes:
        namespace: The subflow document's namespace.
        name: Its name.
        version: Its version.
        input: The subflow's workflow input (an object).
        task_id: The parent's task row running ``run: workflow``.
        call_id: Unique per run of the task (replay-safe), the idempotency key of the create.
    """

    namespace: str
    name: str
    version: str
    input: dict[str, Any]
    task_id: str
    call_id: str


@dataclass(frozen=True)
class SubflowStart:
    """The subflow execution the server created, ready to start as a child workflow.

    Attributes:
        execution_id: The child's execution id (its interpreter workflow id derives from it).
        workflow_yaml: The child's DSL document, validated.
        input: The child's workflow input (``$workflow.input``).
        execution_timeout_seconds: The child workflow's execution timeout.
    """

    execution_id: str
    workflow_yaml: str
    input: dict[str, Any]
    execution_timeout_seconds: float


@dataclass(frozen=True)
class SubflowOutcome:
    """How a subflow's run ended, recorded by the subflow itself.

    Attributes:
        phase: ``COMPLETED``, ``FAILED`` or ``CANCELLED``.
        output: The workflow output when completed.
        error: The readable error when failed or cancelled.
        details: The RFC 7807 error object when failed.
    """

    phase: str
    output: Any = None
    error: str = ""
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class EngineResult:
    """Result of the ``ExecuteServerlessWorkflow`` workflow: the transformed workflow output."""

    output: Any


def engine_result_payload(output: Any) -> RawValue:
    """``EngineResult(output)`` as the ``json/plain`` payload the default converter writes.

    Encoded in one C-encoder pass: the converter's dataclass support (``dataclasses.asdict``)
    deep-copies the output first, which for a 10 MB output in workflow code takes longer
    than Temporal's 2 s deadlock timeout (ADR 0033).
    """
    data = json.dumps({"output": output}, separators=(",", ":"), sort_keys=True)
    return RawValue(Payload(metadata={"encoding": b"json/plain"}, data=data.encode()))
