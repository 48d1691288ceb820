"""Progress rows buffered in the workflow and flushed in batches to ``ReportTaskProgress``.

Rows are kept by ``task_id``; only rows changed since the last flush are sent, so a run of many
pure tasks costs one local activity call per blocking point instead of two per task.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, timedelta
from typing import Any

from stigmer_protos import limits
from stigmer_protos.temporal_names import REPORT_PROGRESS_ACTIVITY
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

from workflow_runner.engine.contract import ProgressBatch, TaskProgress
from workflow_runner.engine.task_spans import TaskSpans

MAX_VALUE_BYTES = limits.MAX_VALUE_BYTES
"""A row value larger than the server keeps is capped here already (no use sending it)."""

FLUSH_EVERY_ROWS = 256
"""Changed rows after which a task's end flushes, even in a run of pure tasks.

A flush is a local activity, which ends the workflow activation: without it a long loop of pure
tasks runs in one activation, which Temporal's deadlock detector fails after 2 s (TMPRL1101), and
the final batch grows with every row. 256 rows are about 130 loop iterations, well under a second
of workflow code even on a loaded machine, while a chain of a few hundred pure tasks still costs
no flush of its own (each flush is a round trip to stigmer-server).
"""

REPORT_ATTEMPT_TIMEOUT = timedelta(seconds=30)
"""Start-to-close timeout of one ``ReportTaskProgress`` attempt."""

REPORT_BUDGET = timedelta(minutes=3)
"""How long one report is retried: rides out a stigmer-server restart or an outage of a few
minutes; after that its rows stay buffered for the next flush (progress is best effort)."""

REPORT_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
)
"""Retries of ``ReportTaskProgress`` within :data:`REPORT_BUDGET` (attempts unbounded)."""

PERIODIC_FLUSH_PATCH = "stigmer-progress-flush-every-256-rows"
"""Patch id guarding :meth:`ProgressBuffer.flush_when_full` so older histories still replay."""


_SIZING = json.JSONEncoder(separators=(",", ":"), default=str)


def cap_value(value: Any, limit: int = MAX_VALUE_BYTES) -> Any:
    """Return ``value``, or a small marker object when its JSON is larger than ``limit`` bytes.

    The JSON is encoded lazily and only until it passes ``limit``: sizing a 10 MB value costs
    what its first ``limit`` bytes cost, not a whole encoding in workflow code (ADR 0033).
    The marker says the value is larger than ``limit`` (``more_than_bytes``), not by how much.
    """
    parts: list[str] = []
    size = 0
    try:
        for part in _SIZING.iterencode(value):
            parts.append(part)
            size += len(part.encode())
            if size > limit:
                preview = "".join(parts)[:512]
                return {"_truncated": True, "more_than_bytes": limit, "preview": preview}
    except (TypeError, ValueError):
        return {"_truncated": True, "reason": "not JSON-serializable"}
    return value


class RecentCaps:
    """:func:`cap_value` of the last few values, by identity.

    A task's input is usually the previous task's output, and ``$context`` on a top-level row
    is usually the one the previous row recorded: the same objects, sized once instead of
    again at every row (up to :data:`MAX_VALUE_BYTES` of JSON each time). Sound because
    workflow values are never changed in place (every step evaluates into new values), and the
    values kept here stay referenced, so their ids are not reused.
    """

    SIZE = 4

    def __init__(self) -> None:
        """Remember nothing yet."""
        self._recent: list[tuple[Any, Any]] = []

    def cap(self, value: Any) -> Any:
        """``cap_value(value)``, computed again only for a value not among the recent ones."""
        if value is None:
            return None
        for source, capped in self._recent:
            if source is value:
                return capped
        capped = cap_value(value)
        self._recent = [(value, capped), *self._recent[: self.SIZE - 1]]
        return capped


def now_rfc3339() -> str:
    """Return the workflow clock as an RFC 3339 UTC timestamp."""
    return workflow.now().astimezone(UTC).isoformat().replace("+00:00", "Z")


class ProgressBuffer:
    """Collects progress rows and sends changed ones with one local activity call per flush."""

    def __init__(self, execution_id: str, enabled: bool) -> None:
        """Create an empty buffer; ``enabled=False`` keeps rows but never calls the activity."""
        self.execution_id = execution_id
        self.enabled = enabled
        self.rows: dict[str, TaskProgress] = {}
        self._changed: dict[str, None] = {}
        self.flushes = 0
        self.spans = TaskSpans(execution_id)
        self._caps = RecentCaps()

    @property
    def pending(self) -> bool:
        """Whether rows changed since the last successful flush are still unsent."""
        return self.enabled and bool(self._changed)

    def _put(self, row: TaskProgress) -> None:
        self.rows[row.task_id] = row
        self._changed[row.task_id] = None

    async def flush_when_full(self) -> None:
        """Flush once :data:`FLUSH_EVERY_ROWS` rows changed (a deterministic count, so replays
        make the same local activity calls)."""
        if (
            self.enabled
            and len(self._changed) >= FLUSH_EVERY_ROWS
            and workflow.patched(PERIODIC_FLUSH_PATCH)
        ):
            await self.flush()

    def start(
        self,
        task_id: str,
        name: str,
        kind: str,
        task_input: Any,
        *,
        started_at: str | None = None,
        context: Any = None,
    ) -> None:
        """Record that a task (or iteration) started (``started_at``: now unless given);
        ``context`` is ``$context`` at a top-level task's start (for re-runs)."""
        self._put(
            TaskProgress(
                task_id=task_id,
                task_name=name,
                task_kind=kind,
                status="IN_PROGRESS",
                started_at=started_at or now_rfc3339(),
                input=self._caps.cap(task_input),
                context=self._caps.cap(context),
            )
        )

    def annotate(self, task_id: str, *, listen: Any) -> None:
        """Attach a ``listen`` task's routing description (size capped) to its started row."""
        row = self.rows.get(task_id)
        if row is not None:
            self._put(dataclasses.replace(row, listen=cap_value(listen)))

    def finish(
        self, task_id: str, status: str, *, output: Any = None, error: str | None = None
    ) -> None:
        """Record the end of a started task with ``COMPLETED``, ``FAILED`` or ``SKIPPED``."""
        row = self.rows.get(task_id)
        if row is None:
            row = TaskProgress(task_id=task_id, task_name="", task_kind="", status=status)
        final = dataclasses.replace(
            row,
            status=status,
            completed_at=now_rfc3339(),
            output=self._caps.cap(output),
            error=error,
        )
        self._put(final)
        self.spans.record(final)

    def link(self, task_id: str, child_execution_id: str) -> None:
        """Record that a started task started the subflow execution ``child_execution_id``."""
        row = self.rows[task_id]
        self._put(dataclasses.replace(row, children=[*(row.children or ()), child_execution_id]))

    def skip(self, task_id: str, name: str, kind: str, task_input: Any) -> None:
        """Record a task whose ``if`` was false; its raw input is its output."""
        self.start(task_id, name, kind, task_input)
        self.finish(task_id, "SKIPPED", output=task_input)

    async def flush(
        self,
        *,
        final: bool = False,
        output: Any = None,
        workflow_status: str | None = None,
        error: str | None = None,
    ) -> None:
        """Send the changed rows (and the final status) if there is anything to send."""
        if not self.enabled or (not self._changed and not final):
            return
        tasks = [self.rows[task_id] for task_id in self._changed]
        self._changed = {}
        self.flushes += 1
        batch = ProgressBatch(
            execution_id=self.execution_id,
            tasks=tasks,
            output=cap_value(output),
            sequence=self.flushes,
            final=final,
            workflow_status=workflow_status,
            error=error,
        )
        try:
            await workflow.execute_local_activity(
                REPORT_PROGRESS_ACTIVITY,
                batch.to_json(),  # the same JSON as the dataclass, without copying the rows
                start_to_close_timeout=REPORT_ATTEMPT_TIMEOUT,
                schedule_to_close_timeout=REPORT_BUDGET,
                retry_policy=REPORT_RETRY,
            )
        except (ActivityError, ApplicationError, asyncio.CancelledError) as exc:
            # A local activity's non-retryable failure arrives as the bare ApplicationError.
            # Unsent rows go back to the buffer so a later flush (at the latest the final one)
            # still reports them.
            for row in tasks:
                self._changed.setdefault(row.task_id, None)
            if isinstance(exc, asyncio.CancelledError) or isinstance(exc.cause, CancelledError):
                raise asyncio.CancelledError() from None
            # Progress is best effort: a reporting outage must not fail the user's workflow.
            workflow.logger.warning("progress report %s failed: %s", self.flushes, exc)
