"""Schedule operations of the API: list, pause, resume, trigger now, backfill."""

from __future__ import annotations

import contextlib
from datetime import datetime

from stigmer_dsl.converter.values import struct_to_dict
from stigmer_dsl.durations import to_timedelta
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.temporal_names import schedule_id
from temporalio.client import ScheduleDescription

from stigmer_server.domain.validation import require
from stigmer_server.errors import InvalidArgumentError, NotFoundError, UnavailableError
from stigmer_server.workflow.schedule.temporal import TemporalSchedules
from stigmer_server.workflow.service import WorkflowService

MAX_NOTE_CHARS = 200
MAX_SHOWN_TIMES = 5


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _instant(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(require(value, field))
    except ValueError:
        raise InvalidArgumentError(field, f"not an RFC 3339 instant: {value!r}") from None
    if moment.tzinfo is None:
        raise InvalidArgumentError(field, "needs a time zone offset (e.g. Z)")
    return moment


class ScheduleService:
    """Acts on the Temporal Schedules of workflows; the workflow's document is what it shows."""

    def __init__(self, workflows: WorkflowService) -> None:
        """Read workflows from ``workflows``; :attr:`temporal` is installed with the orchestrator."""
        self._workflows = workflows
        self.temporal: TemporalSchedules | None = None

    def _temporal(self) -> TemporalSchedules:
        if self.temporal is None:
            raise UnavailableError("schedules need the orchestrator (Temporal is disabled)")
        return self.temporal

    async def view(self, workflow_id: str) -> wf.WorkflowSchedule:
        """The schedule of ``workflow_id``.

        Raises:
            NotFoundError: The workflow has no schedule.
            UnavailableError: Temporal is disabled or unreachable.
        """
        workflow = await self._own(workflow_id)
        description = await self._temporal().describe(workflow_id)
        return self._shown(workflow_id, description, workflow)

    async def _own(self, workflow_id: str) -> wf.Workflow:
        """The workflow, stored here: a schedule of another server sharing the Temporal
        namespace is neither shown nor acted on.

        Raises:
            InvalidArgumentError: No id. NotFoundError: No such workflow.
        """
        return await self._workflows.repo.require(require(workflow_id, "workflow_id"))

    def _shown(
        self, workflow_id: str, description: ScheduleDescription, workflow: wf.Workflow
    ) -> wf.WorkflowSchedule:
        document = (struct_to_dict(workflow.spec.schedule) if workflow.spec else None) or {}
        cron = document.get("cron")
        every_seconds = 0.0
        with contextlib.suppress(ValueError):  # a malformed value is shown as none
            every_seconds = to_timedelta(document.get("every") or {"seconds": 0}).total_seconds()
        schedule, info = description.schedule, description.info
        return wf.WorkflowSchedule(
            workflow_id=workflow_id,
            schedule_id=schedule_id(workflow_id),
            cron=cron if isinstance(cron, str) else "",
            every_seconds=every_seconds,
            paused=schedule.state.paused,
            note=schedule.state.note or "",
            overlap_policy=schedule.policy.overlap.name,
            next_action_times=[_rfc3339(t) for t in info.next_action_times[:MAX_SHOWN_TIMES]],
            recent_action_times=[
                _rfc3339(a.scheduled_at) for a in info.recent_actions[-MAX_SHOWN_TIMES:]
            ],
            action_count=info.num_actions,
        )

    async def list(self, request: wf.ListWorkflowSchedulesRequest) -> wf.WorkflowScheduleList:
        """One workflow's schedule, or every schedule Temporal's visibility lists."""
        if request.workflow_id:
            return wf.WorkflowScheduleList(entries=[await self.view(request.workflow_id)])
        if self.temporal is None:
            return wf.WorkflowScheduleList()  # API-only mode runs no schedules
        entries = []
        async for workflow_id in self._temporal().workflow_ids():
            try:
                entries.append(await self.view(workflow_id))
            except NotFoundError:
                continue  # deleted since it was listed
        return wf.WorkflowScheduleList(entries=entries)

    def _note(self, request: wf.WorkflowScheduleRequest) -> str:
        if len(request.note) > MAX_NOTE_CHARS:
            raise InvalidArgumentError("note", f"at most {MAX_NOTE_CHARS} characters")
        return request.note

    async def pause(self, request: wf.WorkflowScheduleRequest) -> wf.WorkflowSchedule:
        """Pause the workflow's schedule and return it."""
        workflow_id = request.workflow_id
        await self._own(workflow_id)
        await self._temporal().pause(workflow_id, self._note(request))
        return await self.view(workflow_id)

    async def resume(self, request: wf.WorkflowScheduleRequest) -> wf.WorkflowSchedule:
        """Unpause the workflow's schedule and return it."""
        workflow_id = request.workflow_id
        await self._own(workflow_id)
        await self._temporal().resume(workflow_id, self._note(request))
        return await self.view(workflow_id)

    async def trigger(self, request: wf.WorkflowScheduleRequest) -> wf.WorkflowSchedule:
        """Start one run of the workflow now and return its schedule."""
        workflow_id = request.workflow_id
        await self._own(workflow_id)
        await self._temporal().trigger(workflow_id)
        return await self.view(workflow_id)

    async def backfill(self, request: wf.BackfillWorkflowScheduleRequest) -> wf.WorkflowSchedule:
        """Start the runs due in ``[start_time, end_time)`` and return the schedule."""
        workflow_id = request.workflow_id
        await self._own(workflow_id)
        start = _instant(request.start_time, "start_time")
        end = _instant(request.end_time, "end_time")
        if end <= start:
            raise InvalidArgumentError("end_time", "must be after start_time")
        await self._temporal().backfill(workflow_id, start, end)
        return await self.view(workflow_id)
