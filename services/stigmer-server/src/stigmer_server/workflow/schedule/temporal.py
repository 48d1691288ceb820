"""The Temporal Schedule of each scheduled Workflow: one per Workflow, id from its id."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from stigmer_protos.temporal_names import (
    SCHEDULE_ID_PREFIX,
    SCHEDULED_RUN_WORKFLOW,
    schedule_id,
    workflow_id_of_schedule,
)
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from stigmer_server.errors import InvalidArgumentError, NotFoundError, UnavailableError
from stigmer_server.workflow.schedule.cadence import Cadence
from stigmer_server.workflowexecution.temporal.config import TemporalConfig
from stigmer_server.workflowexecution.temporal.connection import TemporalConnection

RUN_MARGIN = timedelta(minutes=10)
"""How much longer than an execution a scheduled run may wait for it before Temporal ends it."""

MAX_LISTED = 1000
"""Schedules one ``list`` answers at most."""

_UNREACHABLE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


class TemporalSchedules:
    """Creates, updates, deletes and operates the Schedules of workflows.

    Only the server builds a Schedule's action: it always starts the scheduled-run workflow on
    the stigmer queue; nothing in a document chooses a workflow type or queue.
    """

    def __init__(self, config: TemporalConfig, connection: TemporalConnection) -> None:
        """Use ``connection`` with the queues, timeouts and schedule policies of ``config``."""
        self._config = config
        self._connection = connection

    def check_ready(self) -> None:
        """Raise UnavailableError while Temporal has not been reached."""
        self._client()

    def _client(self) -> Client:
        client = self._connection.client
        if client is None:
            raise UnavailableError(f"Temporal at {self._connection.address} is not reachable yet")
        return client

    def _handle(self, workflow_id: str) -> ScheduleHandle:
        return self._client().get_schedule_handle(schedule_id(workflow_id))

    def schedule_of(self, workflow_id: str, cadence: Cadence) -> Schedule:
        """The Schedule that runs ``workflow_id`` at ``cadence``."""
        settings = self._config.schedules
        if cadence.every is not None:
            spec = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=cadence.every)])
            # The DSL: `every` runs "regardless of whether the previous run is still in progress".
            overlap = ScheduleOverlapPolicy.ALLOW_ALL
        else:
            spec = ScheduleSpec(cron_expressions=[cadence.cron])
            overlap = ScheduleOverlapPolicy[settings.overlap_policy.upper()]
        return Schedule(
            action=ScheduleActionStartWorkflow(
                SCHEDULED_RUN_WORKFLOW,
                id=schedule_id(workflow_id),
                task_queue=self._config.stigmer_task_queue,
                execution_timeout=self._config.execution_timeout + RUN_MARGIN,
            ),
            spec=spec,
            policy=SchedulePolicy(overlap=overlap, catchup_window=settings.catchup_window),
            state=ScheduleState(note=f"schedule of workflow {workflow_id}"),
        )

    async def put(self, workflow_id: str, cadence: Cadence) -> None:
        """Create the workflow's Schedule, or update it in place (its paused state kept).

        Raises:
            UnavailableError: Temporal cannot be reached.
            InvalidArgumentError: Temporal refuses the cadence.
        """
        schedule = self.schedule_of(workflow_id, cadence)
        try:
            try:
                await self._client().create_schedule(schedule_id(workflow_id), schedule)
            except ScheduleAlreadyRunningError:

                def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
                    state = current.description.schedule.state
                    return ScheduleUpdate(schedule=dataclasses.replace(schedule, state=state))

                await self._handle(workflow_id).update(keep_state)
        except RPCError as err:
            raise _domain_error(err, workflow_id) from err

    async def remove(self, workflow_id: str) -> None:
        """Delete the workflow's Schedule if it has one (runs already started go on).

        Raises:
            UnavailableError: Temporal cannot be reached.
        """
        try:
            await self._handle(workflow_id).delete()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise _domain_error(err, workflow_id) from err

    async def describe(self, workflow_id: str) -> ScheduleDescription:
        """The workflow's Schedule as Temporal holds it.

        Raises:
            NotFoundError: The workflow has no Schedule.
            UnavailableError: Temporal cannot be reached.
        """
        try:
            return await self._handle(workflow_id).describe()
        except RPCError as err:
            raise _domain_error(err, workflow_id) from err

    async def workflow_ids(self) -> AsyncIterator[str]:
        """The ids of the workflows that have a Schedule (Temporal's visibility: may lag).

        Raises:
            UnavailableError: Temporal cannot be reached.
        """
        listed = 0
        try:
            async for entry in await self._client().list_schedules():
                found = workflow_id_of_schedule(entry.id)
                if found is None:
                    continue  # another application's schedule in the namespace
                yield found
                listed += 1
                if listed >= MAX_LISTED:
                    return
        except RPCError as err:
            raise _domain_error(err, SCHEDULE_ID_PREFIX) from err

    async def pause(self, workflow_id: str, note: str) -> None:
        """Stop starting runs (those started go on).

        Raises:
            NotFoundError, UnavailableError.
        """
        try:
            await self._handle(workflow_id).pause(note=note or "paused")
        except RPCError as err:
            raise _domain_error(err, workflow_id) from err

    async def resume(self, workflow_id: str, note: str) -> None:
        """Start runs on the schedule again.

        Raises:
            NotFoundError, UnavailableError.
        """
        try:
            await self._handle(workflow_id).unpause(note=note or "resumed")
        except RPCError as err:
            raise _domain_error(err, workflow_id) from err

    async def trigger(self, workflow_id: str) -> None:
        """Start one run now, paused or not, whatever runs are in progress.

        Raises:
            NotFoundError, UnavailableError.
        """
        try:
            await self._handle(workflow_id).trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
        except RPCError as err:
            raise _domain_error(err, workflow_id) from err

    async def backfill(self, workflow_id: str, start: datetime, end: datetime) -> None:
        """Start the runs the schedule would have started in ``[start, end)``.

        Raises:
            NotFoundError, UnavailableError, InvalidArgumentError.
        """
        try:
            await self._handle(workflow_id).backfill(
                ScheduleBackfill(
                    start_at=start, end_at=end, overlap=ScheduleOverlapPolicy.ALLOW_ALL
                )
            )
        except RPCError as err:
            raise _domain_error(err, workflow_id) from err


def _domain_error(err: RPCError, workflow_id: str) -> Exception:
    if err.status in _UNREACHABLE:
        return UnavailableError(f"Temporal: {err.message}")
    if err.status == RPCStatusCode.NOT_FOUND:
        return NotFoundError(f"workflow {workflow_id} has no schedule")
    if err.status == RPCStatusCode.INVALID_ARGUMENT:
        return InvalidArgumentError("/schedule", f"refused by Temporal: {err.message}")
    return err
