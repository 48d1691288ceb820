"""What one execution costs the Temporal server, counted off its workflows' histories.

The throughput ratio is bounded by the Temporal server's work per execution, not by our
processes' CPU (ADR 0043): this puts that work next to the rate, for ours and the baseline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowExecutionStatus

_LOCAL_ACTIVITY_MARKER = "core_local_activity"
_CLOSE_WITHIN_S = 30.0


@dataclass(frozen=True)
class TemporalWork:
    """Counts over the histories of one execution's workflows.

    Attributes:
        workflows: Workflow runs counted (the latest run of each workflow).
        events: History events, all runs together.
        workflow_tasks: Completed workflow tasks.
        activities: Scheduled activity tasks.
        local_activities: Local-activity markers.
    """

    workflows: int = 0
    events: int = 0
    workflow_tasks: int = 0
    activities: int = 0
    local_activities: int = 0

    @classmethod
    def of(cls, runs: Iterable[Iterable[HistoryEvent]]) -> TemporalWork:
        """Count the events of each run's history."""
        workflows = events = tasks = activities = local = 0
        for run in runs:
            workflows += 1
            for event in run:
                events += 1
                kind = event.event_type
                if kind == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                    tasks += 1
                elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                    activities += 1
                elif (
                    kind == EventType.EVENT_TYPE_MARKER_RECORDED
                    and event.marker_recorded_event_attributes.marker_name == _LOCAL_ACTIVITY_MARKER
                ):
                    local += 1
        return cls(workflows, events, tasks, activities, local)

    def as_dict(self) -> dict[str, int]:
        """The counts, for a JSON line."""
        return {
            "workflows": self.workflows,
            "events": self.events,
            "workflow_tasks": self.workflow_tasks,
            "activities": self.activities,
            "local_activities": self.local_activities,
        }


async def temporal_work(client: Client, workflow_ids: Iterable[str]) -> TemporalWork:
    """Count the latest run of each of ``workflow_ids``, once each has closed.

    Waiting matters: an execution is COMPLETED in the store before the orchestration's last
    workflow task (the one that wrote it) has been recorded.
    """
    runs = []
    for workflow_id in workflow_ids:
        handle = client.get_workflow_handle(workflow_id)
        async with asyncio.timeout(_CLOSE_WITHIN_S):
            # Not ``result()``: the bench's client cannot decode our workflows' results.
            while True:
                if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                    break
                await asyncio.sleep(0.05)
        runs.append((await handle.fetch_history()).events)
    return TemporalWork.of(runs)
