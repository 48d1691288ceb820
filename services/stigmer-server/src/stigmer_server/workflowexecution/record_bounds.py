"""The one rule keeping an execution's status within its bound: folded rows, truncated values.

Applied after every merge (see :func:`bound_status`), in this order:

1. Values: a task row's ``input``, ``output`` or ``metadata`` larger than
   :data:`~stigmer_protos.limits.MAX_VALUE_BYTES` encoded, and the execution's ``output`` or
   ``error_details`` larger than :data:`~stigmer_protos.limits.MAX_OUTPUT_BYTES`, become the marker
   ``{"_truncated": true, "bytes": <encoded size>}`` (the runner's marker for values it caps);
   an input or output held in its ``*_value`` field (a non-object JSON value) is bounded the same
   way and its marker goes in the Struct field, the ``*_value`` field cleared;
   error messages are cut at :data:`~stigmer_protos.limits.MAX_ERROR_CHARS` characters.
2. Rows: beyond :data:`~stigmer_protos.limits.MAX_TASK_ROWS`, the oldest finished rows of loops are
   folded. A loop row's ``task_id`` ends in iteration indexes (``/do/0/loop[7]``,
   ``/do/0/loop/for/do/0/step[7]``); its family is the id without them. A family folds in index
   order into one summary row ``<family>[*]`` (placed where its first folded row was) whose
   ``metadata.folded`` counts the folded rows by status and records the highest folded index
   (``through``). A later report of a row at or below ``through`` is a replay of a folded row
   and is dropped, so retried reports are never counted twice. The first FAILED row of the
   execution and unfinished rows are never folded; the latest rows stay visible.
3. Bytes: if the status still exceeds its budget, the inputs and outputs of the oldest rows
   become markers, then the execution's output; as a last resort the oldest finished rows are
   dropped into the summary row ``*`` (its counts may repeat a row reported again later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google import protobuf as wkt

from stigmer_server.workflowexecution.row_encoding import EncodedRows, outside_status
from stigmer_server.workflowexecution.status_merge import (
    OUTPUT_VALUE,
    TASK_VALUES,
    TERMINAL_TASK_STATUSES,
    _copy,
)

TaskStatus = wex.WorkflowTaskStatus

FOLDED = "[*]"
"""Suffix of a loop family's summary row id."""

DROPPED_ID = "*"
"""Id of the summary row of rows dropped to meet the byte budget."""

TRUNCATED_KEY = "_truncated"

_INDEXED = re.compile(r"^(?P<base>.+?)(?P<indexes>(?:\[\d+\])+)$")
_INDEX = re.compile(r"\d+")
_ROW_OVERHEAD = 4  # field tag and length prefix of one repeated element
_SMALL_VALUE = 256  # values this small are not worth a marker
_COUNTS = {
    TaskStatus.WORKFLOW_TASK_COMPLETED: "completed",
    TaskStatus.WORKFLOW_TASK_FAILED: "failed",
    TaskStatus.WORKFLOW_TASK_SKIPPED: "skipped",
}


def marker(size: int) -> wkt.Struct:
    """The value shown instead of one of ``size`` encoded bytes."""
    return wkt.Struct.from_dict({TRUNCATED_KEY: True, "bytes": size})


def _is_marker(value: wkt.Struct | wkt.Value | None) -> bool:
    return isinstance(value, wkt.Struct) and TRUNCATED_KEY in value.fields


def _cut(text: str, limit: int = limits.MAX_ERROR_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters, truncated)"


def _family(task_id: str) -> tuple[str, tuple[int, ...]] | None:
    """Split a loop row's id into its family and iteration indexes (``None``: not in a loop)."""
    found = _INDEXED.match(task_id)
    if found is None:
        return None
    return found["base"], tuple(int(i) for i in _INDEX.findall(found["indexes"]))


@dataclass
class _Summary:
    """The folded rows of one family, as kept in its summary row's ``metadata.folded``."""

    counts: dict[str, int] = field(default_factory=dict)
    through: tuple[int, ...] = ()
    name: str = ""
    kind: str = ""
    task_type: wex.WorkflowTaskType = wex.WorkflowTaskType.WORKFLOW_TASK_TYPE_UNSPECIFIED
    started_at: str = ""
    completed_at: str = ""

    @classmethod
    def read(cls, row: wex.WorkflowTask) -> _Summary:
        folded: dict[str, Any] = {}
        kind = ""
        if row.metadata is not None:
            meta = row.metadata.to_dict()
            folded = meta.get("folded") or {}
            kind = str(meta.get("kind", ""))
        return cls(
            counts={k: int(folded.get(k, 0)) for k in ("rows", *_COUNTS.values())},
            through=tuple(int(i) for i in folded.get("through", [])),
            name=row.task_name,
            kind=kind,
            task_type=row.task_type,
            started_at=row.started_at,
            completed_at=row.completed_at,
        )

    def add(self, row: wex.WorkflowTask, indexes: tuple[int, ...]) -> None:
        self.counts["rows"] = self.counts.get("rows", 0) + 1
        name = _COUNTS.get(row.status)
        if name is not None:
            self.counts[name] = self.counts.get(name, 0) + 1
        self.through = max(self.through, indexes)
        if not self.name:
            found = _INDEXED.match(row.task_name)
            self.name = (found["base"] if found else row.task_name) + FOLDED
            self.task_type = row.task_type
            if row.metadata is not None:
                self.kind = str(row.metadata.to_dict().get("kind", ""))
        self.started_at = self.started_at or row.started_at
        self.completed_at = max(self.completed_at, row.completed_at)

    def row(self, task_id: str) -> wex.WorkflowTask:
        failed = self.counts.get("failed", 0) > 0
        skipped_only = self.counts.get("skipped", 0) == self.counts.get("rows", 0)
        folded: dict[str, Any] = {k: self.counts.get(k, 0) for k in ("rows", *_COUNTS.values())}
        folded["through"] = list(self.through)
        return wex.WorkflowTask(
            task_id=task_id,
            task_name=self.name,
            task_type=self.task_type,
            status=TaskStatus.WORKFLOW_TASK_FAILED
            if failed
            else TaskStatus.WORKFLOW_TASK_SKIPPED
            if skipped_only
            else TaskStatus.WORKFLOW_TASK_COMPLETED,
            started_at=self.started_at,
            completed_at=self.completed_at,
            metadata=wkt.Struct.from_dict({"kind": self.kind, "folded": folded}),
        )


def _is_summary(task: wex.WorkflowTask) -> bool:
    return task.task_id.endswith(FOLDED) or task.task_id == DROPPED_ID


def _failed_row(task: wex.WorkflowTask) -> bool:
    """A FAILED row of a task (summaries, FAILED when they count a failure, do not qualify)."""
    return task.status == TaskStatus.WORKFLOW_TASK_FAILED and not _is_summary(task)


def _size(message: Any) -> int:
    return len(bytes(message))


def _bounded_value(value: wkt.Struct | None, limit: int) -> wkt.Struct | None:
    if value is None or _is_marker(value):
        return value
    size = _size(value)
    return marker(size) if size > limit else value


def _held(message: Any, pair: tuple[str, str]) -> wkt.Struct | wkt.Value | None:
    """The field of a ``(Struct, Value)`` pair holding its JSON value (the Value when set)."""
    struct_name, value_name = pair
    held: wkt.Struct | wkt.Value | None = getattr(message, value_name)
    return held if held is not None else getattr(message, struct_name)


def _mark(message: Any, pair: tuple[str, str], size: int) -> None:
    """Replace the JSON value of ``pair`` by the marker of ``size`` bytes (always in the Struct)."""
    struct_name, value_name = pair
    setattr(message, struct_name, marker(size))
    setattr(message, value_name, None)


def _bound_pair(message: Any, pair: tuple[str, str], limit: int) -> None:
    """Bound the JSON value of ``pair`` on ``message`` (modified) as :func:`_bounded_value`."""
    held = _held(message, pair)
    if held is None or _is_marker(held):
        return
    size = _size(held)
    if size > limit:
        _mark(message, pair, size)


def _bounded_row(row: wex.WorkflowTask, encoded: EncodedRows) -> tuple[wex.WorkflowTask, int]:
    """The row with its values and error within bounds, and its encoded size."""
    size = encoded.size(row)
    if size <= limits.MAX_VALUE_BYTES and len(row.error) <= limits.MAX_ERROR_CHARS:
        return row, size  # no value of it can be over the bound
    bounded = _copy(row, deep=False)
    for pair in TASK_VALUES:
        _bound_pair(bounded, pair, limits.MAX_VALUE_BYTES)
    if not _is_summary(row):
        bounded.metadata = _bounded_value(row.metadata, limits.MAX_VALUE_BYTES)
    bounded.error = _cut(row.error)
    return bounded, encoded.size(bounded)


class _Rows:
    """The status's task rows while they are being folded (ids unique)."""

    def __init__(self, tasks: list[wex.WorkflowTask]) -> None:
        self.tasks: list[wex.WorkflowTask | None] = list(tasks)
        self.count = len(tasks)
        self.first_failed = next((t.task_id for t in tasks if _failed_row(t)), "")
        self.summaries: dict[str, tuple[int, _Summary]] = {}
        for at, task in enumerate(tasks):
            if _is_summary(task):
                self.summaries[task.task_id] = (at, _Summary.read(task))

    def drop_replays(self) -> None:
        """Drop rows of folded families at or below the family's ``through`` index."""
        for at, task in enumerate(self.tasks):
            fam = _family(task.task_id) if task is not None else None
            if task is None or fam is None or task.task_id == self.first_failed:
                continue
            summary = self.summaries.get(fam[0] + FOLDED)
            if summary is not None and fam[1] <= summary[1].through:
                self.tasks[at] = None
                self.count -= 1

    def fold(self, keep: int) -> None:
        """Fold the oldest finished loop rows, family by family in index order, to ``keep``."""
        families: dict[str, list[tuple[tuple[int, ...], int]]] = {}
        for at, task in enumerate(self.tasks):
            fam = _family(task.task_id) if task is not None else None
            if task is not None and fam is not None and task.task_id != self.first_failed:
                families.setdefault(fam[0], []).append((fam[1], at))
        # Each family folds a prefix in index order that stops at its first unfinished row.
        candidates: list[tuple[int, str, tuple[int, ...]]] = []
        for base, members in families.items():
            for indexes, at in sorted(members):
                task = self.tasks[at]
                assert task is not None
                if task.status not in TERMINAL_TASK_STATUSES:
                    break
                candidates.append((at, base, indexes))
        per_family: dict[str, int] = {}
        for _, base, _ in candidates:
            per_family[base] = per_family.get(base, 0) + 1
        # Oldest rows first; within a family list order follows index order.
        for at, base, indexes in sorted(candidates):
            if self.count <= keep:
                return
            if per_family[base] < 2 and base + FOLDED not in self.summaries:
                continue  # a summary in place of a single row saves nothing
            task = self.tasks[at]
            assert task is not None
            sid = base + FOLDED
            place, summary = self.summaries.get(sid, (at, _Summary()))
            summary.add(task, indexes)
            self.tasks[at] = None
            if sid not in self.summaries:
                self.count += 1
            self.count -= 1
            self.summaries[sid] = (place, summary)
            self.tasks[place] = summary.row(sid)

    def result(self) -> list[wex.WorkflowTask]:
        return [t for t in self.tasks if t is not None]


def _squeeze(
    status: wex.WorkflowExecutionStatus, sizes: list[int], budget: int, known: EncodedRows
) -> None:
    """Shrink ``status`` (its own task list) to ``budget`` bytes: values, output, then rows.

    ``sizes`` are the encoded sizes of ``status.tasks``; totals are upper bounds (each row is
    counted with the largest framing a row can have). A status left as it is keeps the
    encoding of its fields other than the tasks in ``known``.
    """
    rest = _copy(status, deep=False)
    rest.tasks = []
    rest_data = bytes(rest)
    size = len(rest_data) + sum(sizes) + _ROW_OVERHEAD * len(sizes)
    if size <= budget:
        known.keep_shell(status, rest_data)
        return
    tasks = status.tasks
    for at, task in enumerate(tasks):
        if size <= budget:
            return
        if _is_summary(task):
            continue
        slim = _copy(task, deep=False)
        for pair in TASK_VALUES:
            value = _held(task, pair)
            if value is not None and not _is_marker(value) and _size(value) > _SMALL_VALUE:
                _mark(slim, pair, _size(value))
        tasks[at] = slim
        slim_size = _size(slim)
        size -= sizes[at] - slim_size
        sizes[at] = slim_size
    output = _held(status, OUTPUT_VALUE)
    if size > budget and output is not None and not _is_marker(output):
        before = _size(output)
        _mark(status, OUTPUT_VALUE, before)
        size -= before - _size(status.output)
    if size <= budget:
        return
    existing = next((t for t in tasks if t.task_id == DROPPED_ID), None)
    dropped = _Summary.read(existing) if existing is not None else _Summary(name=DROPPED_ID)
    first_failed = next((t for t in tasks if _failed_row(t)), None)
    survivors: list[wex.WorkflowTask] = []
    for task, task_size in zip(tasks, sizes, strict=True):
        if task is existing:
            continue
        droppable = (
            task is not first_failed
            and task.status in TERMINAL_TASK_STATUSES
            and not _is_summary(task)
        )
        if size > budget and droppable:
            size -= task_size + _ROW_OVERHEAD
            dropped.add(task, ())
        else:
            survivors.append(task)
    if dropped.counts.get("rows"):
        status.tasks = [dropped.row(DROPPED_ID), *survivors]


def bound_status(
    status: wex.WorkflowExecutionStatus,
    budget: int = limits.MAX_STATUS_BYTES,
    encoded: EncodedRows | None = None,
) -> wex.WorkflowExecutionStatus:
    """Return ``status`` within its bounds (see the module doc); ``status`` is not modified.

    Args:
        status: A merged status.
        budget: Encoded bytes the status may take (at most :data:`MAX_STATUS_BYTES`).
        encoded: The encodings known of its rows (e.g. of the rows read from the stored
            record), which are then not encoded again to size them; rows it sizes are added,
            and the encoding of the result's fields other than its tasks (the result is the
            same as without it).

    Returns:
        The bounded status (``status`` itself when nothing needed changing).
    """
    bounded = _copy(status, deep=False)
    rows = _Rows(list(status.tasks))
    rows.drop_replays()
    if rows.count > limits.MAX_TASK_ROWS:
        rows.fold(limits.MAX_TASK_ROWS)
    known = EncodedRows() if encoded is None else encoded
    sized = [_bounded_row(t, known) for t in rows.result()]
    bounded.tasks = [task for task, _ in sized]
    _bound_pair(bounded, OUTPUT_VALUE, limits.MAX_OUTPUT_BYTES)
    bounded.error_details = _bounded_value(status.error_details, limits.MAX_OUTPUT_BYTES)
    bounded.error = _cut(status.error)
    _squeeze(bounded, [size for _, size in sized], min(budget, limits.MAX_STATUS_BYTES), known)
    return bounded


def status_budget(execution: wex.WorkflowExecution, stored: bytes | None = None) -> int:
    """Bytes left for ``execution``'s status within :data:`MAX_RECORD_BYTES` (at most
    :data:`MAX_STATUS_BYTES`), given the rest of the record (spec, metadata, fields this
    version does not know).

    Args:
        execution: The execution.
        stored: Its stored encoding, when its fields other than the status are the ones
            stored: their size is then read off it instead of encoding them.
    """
    rest_size = len(outside_status(execution, stored))
    return min(limits.MAX_STATUS_BYTES, limits.MAX_RECORD_BYTES - rest_size)
