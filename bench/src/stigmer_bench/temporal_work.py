"""What one execution costs the Temporal server, counted off its workflows' histories.

The throughput ratio is bounded by the Temporal server's work per execution, not by our
processes' CPU (ADR 0043): this puts that work next to the rate, for ours and the baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

_LOCAL_ACTIVITY_MARKER = "core_local_activity"


@dataclass(frozen=True)
class TemporalWork:
    """Counts over the histories of one execution's workflows.

    Attributes:
        workflows: Workflow runs.
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
    """Count the latest run of each of ``workflow_ids``."""
    runs = [
        (await client.get_workflow_handle(workflow_id).fetch_history()).events
        for workflow_id in workflow_ids
    ]
    return TemporalWork.of(runs)
