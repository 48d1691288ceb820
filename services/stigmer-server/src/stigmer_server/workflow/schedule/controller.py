"""gRPC ``WorkflowScheduleController``."""

from __future__ import annotations

from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import schedule_pb2_grpc

from stigmer_server.workflow.schedule.service import ScheduleService


class WorkflowScheduleController(schedule_pb2_grpc.WorkflowScheduleControllerServicer):
    """list / pause / resume / trigger / backfill of workflow schedules."""

    def __init__(self, service: ScheduleService) -> None:
        """Serve ``service``."""
        self._s = service

    async def list(
        self, request: wf.ListWorkflowSchedulesRequest, context: Any
    ) -> wf.WorkflowScheduleList:
        """One workflow's schedule, or all."""
        return await self._s.list(request)

    async def pause(self, request: wf.WorkflowScheduleRequest, context: Any) -> wf.WorkflowSchedule:
        """Pause."""
        return await self._s.pause(request)

    async def resume(
        self, request: wf.WorkflowScheduleRequest, context: Any
    ) -> wf.WorkflowSchedule:
        """Resume."""
        return await self._s.resume(request)

    async def trigger(
        self, request: wf.WorkflowScheduleRequest, context: Any
    ) -> wf.WorkflowSchedule:
        """Run once now."""
        return await self._s.trigger(request)

    async def backfill(
        self, request: wf.BackfillWorkflowScheduleRequest, context: Any
    ) -> wf.WorkflowSchedule:
        """Run what was due in a past interval."""
        return await self._s.backfill(request)
