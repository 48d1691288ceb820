"""A ``ReportTaskProgress`` activity for engine tests: it records every progress batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from stigmer_protos.temporal_names import REPORT_PROGRESS_ACTIVITY
from temporalio import activity


class ProgressRow(Protocol):
    """What the sink reads of a progress row (the runner's ``TaskProgress``)."""

    @property
    def task_id(self) -> str:
        """The row's task id."""
        ...


class Batch(Protocol):
    """What the sink reads of a batch (the runner's ``ProgressBatch``)."""

    @property
    def tasks(self) -> Sequence[Any]:
        """The rows changed since the previous batch."""
        ...


B = TypeVar("B", bound=Batch)


class ProgressSink(Generic[B]):
    """Registers as ``ReportTaskProgress`` on a test worker and keeps the batches it receives.

    The batch type is given, not imported: this package does not depend on the runner. It is
    the activity's parameter type, so Temporal decodes each batch into it.
    """

    def __init__(self, batch_type: type[B]) -> None:
        """Record batches of ``batch_type``; register :attr:`report` as the activity."""
        self.batches: list[B] = []

        async def report(batch: B) -> None:
            self.batches.append(batch)

        report.__annotations__ = {"batch": batch_type, "return": None}
        self.report: Callable[[B], Any] = activity.defn(name=REPORT_PROGRESS_ACTIVITY)(report)

    def latest(self) -> dict[str, Any]:
        """The latest row of every task id, in the order the rows first appeared.

        That is what the server's upsert keeps.
        """
        rows: dict[str, Any] = {}
        for batch in self.batches:
            for row in batch.tasks:
                rows[row.task_id] = row
        return rows
