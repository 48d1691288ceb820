"""Workflow schedules on a real Temporal dev server with the real Redis-backed services.

A fake ``ExecuteWorkflow`` on the runner queue completes each execution at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.temporal_client import TemporalConnectionConfig
from stigmer_protos.temporal_names import schedule_id
from stigmer_server.errors import InvalidArgumentError, NotFoundError
from stigmer_server.server import Services, build_services
from stigmer_server.store.claims import RedisClaims
from stigmer_server.store.connection import connect
from stigmer_server.store.redis_store import RedisStore
from stigmer_server.workflow.schedule.settings import ScheduleSettings
from stigmer_server.workflow.schedule.temporal import TemporalSchedules
from stigmer_server.workflowexecution.temporal.config import TemporalConfig
from stigmer_server.workflowexecution.temporal.connection import TemporalConnection
from stigmer_server.workflowexecution.temporal.creator import TemporalWorkflowCreator
from stigmer_server.workflowexecution.temporal.scheduled_activities import (
    SCHEDULE_LABEL,
    ScheduledRunActivities,
)
from stigmer_server.workflowexecution.temporal.worker import build_worker
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

Phase = wex.ExecutionPhase
SETTINGS = ScheduleSettings(min_interval=timedelta(seconds=1))


@activity.defn(name="ExecuteWorkflow")
async def complete(execution: wex.WorkflowExecution) -> wex.WorkflowExecutionStatus:
    return wex.WorkflowExecutionStatus(phase=Phase.EXECUTION_COMPLETED)


@dataclass
class Scheduling:
    services: Services
    client: Client

    async def apply(self, name: str, schedule: dict[str, Any] | None) -> wf.Workflow:
        return await self.services.workflows.apply(
            wf.Workflow(
                metadata=ar.ApiResourceMetadata(name=name, org="acme"),
                spec=wf.WorkflowSpec(
                    document=wf.WorkflowDocument(
                        dsl="1.0.0", namespace="tests", name="scheduled", version="1.0.0"
                    ),
                    tasks=[
                        wf.WorkflowTask(
                            name="noop",
                            kind=ar.WorkflowTaskKind.SET,
                            task_config=wkt.Struct.from_dict({"set": {"ok": True}}),
                        )
                    ],
                    schedule=None if schedule is None else wkt.Struct.from_dict(schedule),
                ),
            )
        )

    async def executions(self, workflow_id: str) -> list[wex.WorkflowExecution]:
        found = await self.services.executions.list_by_workflow(
            wex.ListWorkflowExecutionsByWorkflowRequest(workflow_id=workflow_id, page_size=100)
        )
        return list(found.entries)

    async def has_schedule(self, workflow_id: str) -> bool:
        try:
            await self.client.get_schedule_handle(schedule_id(workflow_id)).describe()
        except RPCError as err:
            assert err.status == RPCStatusCode.NOT_FOUND
            return False
        return True


async def eventually(check: Callable[[], Awaitable[bool]], within_s: float = 30.0) -> None:
    """Poll ``check`` until it holds (state, not wall-clock, is asserted)."""
    deadline = asyncio.get_running_loop().time() + within_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.2)


@pytest_asyncio.fixture
async def scheduling(
    redis_url: str, temporal_address: str, temporal_client: Client
) -> AsyncIterator[Scheduling]:
    """The services with schedules on, a stigmer worker and a completing fake runner."""
    prefix = f"test-{uuid.uuid4().hex}"
    redis = connect(redis_url, max_connections=8)
    store = RedisStore(redis, prefix)
    services = build_services(
        store, launcher=None, claims=RedisClaims(redis, prefix), schedule_settings=SETTINGS
    )
    config = TemporalConfig(
        connection=replace(TemporalConnectionConfig(), address=temporal_address),
        stigmer_task_queue=f"stigmer-{uuid.uuid4()}",
        runner_task_queue=f"runner-{uuid.uuid4()}",
        schedules=SETTINGS,
    )
    connection = TemporalConnection(config, temporal_client)
    services.executions.launcher = TemporalWorkflowCreator(config, connection, services.executions)
    schedules = TemporalSchedules(config, connection)
    services.workflows.scheduler = schedules
    services.schedules.temporal = schedules
    scheduled = ScheduledRunActivities(services.workflows, services.executions)
    async with (
        build_worker(temporal_client, config.stigmer_task_queue, services.executions, scheduled),
        Worker(temporal_client, task_queue=config.runner_task_queue, activities=[complete]),
    ):
        yield Scheduling(services, temporal_client)
    await store.close()


async def test_every_runs_normal_executions_until_paused(scheduling: Scheduling) -> None:
    workflow = await scheduling.apply(f"every-{uuid.uuid4().hex[:8]}", {"every": "PT1S"})
    wid = workflow.metadata.id

    async def two_completed() -> bool:
        runs = await scheduling.executions(wid)
        return sum(r.status.phase == Phase.EXECUTION_COMPLETED for r in runs) >= 2

    await eventually(two_completed)
    runs = await scheduling.executions(wid)
    assert all(r.metadata.labels[SCHEDULE_LABEL] == schedule_id(wid) for r in runs)
    assert all(r.status.temporal_workflow_id for r in runs)
    shown = await scheduling.services.schedules.view(wid)
    assert (shown.every_seconds, shown.overlap_policy, shown.paused) == (1.0, "ALLOW_ALL", False)

    paused = await scheduling.services.schedules.pause(
        wf.WorkflowScheduleRequest(workflow_id=wid, note="maintenance")
    )
    assert (paused.paused, paused.note) == (True, "maintenance")

    # Every action makes exactly one execution; once the pause has settled, the only action is
    # the one triggered.
    async def one_execution_per_action() -> bool:
        actions = (await scheduling.services.schedules.view(wid)).action_count
        return len(await scheduling.executions(wid)) == actions

    await eventually(one_execution_per_action)
    count = (await scheduling.services.schedules.view(wid)).action_count
    # Temporal names an action's workflow by the schedule id and the second it starts: a
    # trigger in the same second as the last scheduled action collides with it and is dropped
    # (WorkflowExecutionAlreadyStarted in the server log). Let that second pass first.
    await asyncio.sleep(1.1)
    await scheduling.services.schedules.trigger(wf.WorkflowScheduleRequest(workflow_id=wid))

    async def triggered() -> bool:
        actions = (await scheduling.services.schedules.view(wid)).action_count
        return actions == count + 1 and await one_execution_per_action()

    await eventually(triggered)
    # A re-apply of the same document keeps the pause.
    await scheduling.apply(workflow.metadata.name, {"every": "PT1S"})
    assert (await scheduling.services.schedules.view(wid)).paused

    await scheduling.services.workflows.delete(wid)
    assert not await scheduling.has_schedule(wid)


async def test_reapplied_cron_updates_the_one_schedule(scheduling: Scheduling) -> None:
    name = f"cron-{uuid.uuid4().hex[:8]}"
    workflow = await scheduling.apply(name, {"cron": "*/5 * * * *"})
    wid = workflow.metadata.id
    before = await scheduling.services.schedules.view(wid)
    assert before.cron == "*/5 * * * *" and before.overlap_policy == "SKIP"
    assert {datetime.fromisoformat(t).minute % 5 for t in before.next_action_times} == {0}

    again = await scheduling.apply(name, {"cron": "7 * * * *"})
    assert again.metadata.id == wid
    after = await scheduling.services.schedules.view(wid)
    assert after.cron == "7 * * * *"
    assert {datetime.fromisoformat(t).minute for t in after.next_action_times} == {7}

    await scheduling.apply(name, None)  # the document no longer has a schedule
    assert not await scheduling.has_schedule(wid)
    with pytest.raises(NotFoundError):
        await scheduling.services.schedules.view(wid)


async def test_backfill_starts_the_runs_due_in_the_past(scheduling: Scheduling) -> None:
    workflow = await scheduling.apply(f"backfill-{uuid.uuid4().hex[:8]}", {"cron": "@hourly"})
    wid = workflow.metadata.id
    await scheduling.services.schedules.pause(wf.WorkflowScheduleRequest(workflow_id=wid))
    end = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(hours=3)
    await scheduling.services.schedules.backfill(
        wf.BackfillWorkflowScheduleRequest(
            workflow_id=wid, start_time=start.isoformat(), end_time=end.isoformat()
        )
    )

    async def three_runs() -> bool:
        runs = await scheduling.executions(wid)
        return sum(r.status.phase == Phase.EXECUTION_COMPLETED for r in runs) == 3

    await eventually(three_runs)
    await scheduling.services.workflows.delete(wid)


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"on": {"all": [{"with": {"type": "x"}}]}}, "/schedule/on/all"),
        ({"after": "PT1M"}, "/schedule/after"),
        ({"every": {"milliseconds": 500}}, "/schedule/every"),
        ({"cron": "61 * * * *"}, "/schedule/cron"),
    ],
)
async def test_refused_schedule_stores_nothing(
    scheduling: Scheduling, schedule: dict[str, Any], field: str
) -> None:
    name = f"refused-{uuid.uuid4().hex[:8]}"
    with pytest.raises(InvalidArgumentError) as caught:
        await scheduling.apply(name, schedule)
    assert caught.value.field == field
    assert await scheduling.services.workflows.repo.find_by_slug("acme", name) is None
    # An update is refused the same way and leaves the stored document as it was.
    stored = await scheduling.apply(name, {"every": "PT1H"})
    with pytest.raises(InvalidArgumentError):
        await scheduling.apply(name, schedule)
    kept = await scheduling.services.workflows.get(stored.metadata.id)
    assert kept.spec.schedule.to_dict() == {"every": "PT1H"}
    await scheduling.services.workflows.delete(stored.metadata.id)


async def test_a_leftover_schedule_deletes_itself(scheduling: Scheduling) -> None:
    workflow = await scheduling.apply(f"leftover-{uuid.uuid4().hex[:8]}", {"cron": "@daily"})
    wid = workflow.metadata.id
    # The workflow goes without its schedule (as when Temporal was down during the delete).
    await scheduling.services.workflows.repo.delete(wid)
    # The API acts only on schedules of workflows this server stores.
    with pytest.raises(NotFoundError):
        await scheduling.services.schedules.trigger(wf.WorkflowScheduleRequest(workflow_id=wid))
    await scheduling.client.get_schedule_handle(schedule_id(wid)).trigger()

    async def gone() -> bool:
        return not await scheduling.has_schedule(wid)

    await eventually(gone)
    assert await scheduling.executions(wid) == []
