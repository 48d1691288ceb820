"""ReportTaskProgress writes only to the execution whose interpreter workflow scheduled it.

A real in-process stigmer-server (Redis) and the Temporal dev server; a small workflow stands in
for the interpreter (or for a rogue workflow) and schedules the local activity with a batch that
names another execution.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import pytest_asyncio
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_server.access.api_keys import ApiKeySettings
from stigmer_server.config import Config
from stigmer_server.server import RunningServer, build_server
from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from workflow_runner.activities.report_progress import ReportProgressActivity
from workflow_runner.client import ClientConfig, StigmerClient
from workflow_runner.engine import REPORT_PROGRESS_ACTIVITY, ProgressBatch, TaskProgress
from workflow_runner.engine.identity import NOT_AN_INTERPRETER

Phase = wex.ExecutionPhase


@workflow.defn(name="ProgressSender", sandboxed=False)
class ProgressSender:
    """Sends one progress batch; returns the failure type, or "" when it was accepted."""

    @workflow.run
    async def run(self, batch: ProgressBatch) -> str:
        try:
            await workflow.execute_local_activity(
                REPORT_PROGRESS_ACTIVITY,
                batch,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_attempts=2),
            )
        except (ActivityError, ApplicationError) as err:
            # A local activity's failure may arrive unwrapped.
            cause = err.cause if isinstance(err, ActivityError) else err
            return cause.type or "?" if isinstance(cause, ApplicationError) else repr(cause)
        return ""


@dataclass
class Env:
    server: RunningServer
    client: Client
    task_queue: str

    async def send(self, workflow_id: str, batch: ProgressBatch) -> str:
        result: str = await self.client.execute_workflow(
            ProgressSender.run, batch, id=workflow_id, task_queue=self.task_queue
        )
        return result

    async def execution(self, phase: wex.ExecutionPhase) -> str:
        services = self.server.services
        name = f"wf-{uuid.uuid4().hex[:8]}"
        doc = (
            f"document: {{dsl: '1.0.0', namespace: t, name: {name}, version: '1.0.0'}}\n"
            "do:\n  - a:\n      set: {x: 1}\n"
        )
        workflow_ = await services.workflows.create(
            wf.Workflow(
                metadata=ar.ApiResourceMetadata(name=name, org="t"),
                spec=dsl_to_workflow_spec(doc),
            )
        )
        created = await services.executions.create(
            wex.WorkflowExecution(
                metadata=ar.ApiResourceMetadata(name=f"run-{name}", org="t"),
                spec=wex.WorkflowExecutionSpec(workflow_id=workflow_.metadata.id),
            )
        )
        execution_id = created.metadata.id
        row = wex.WorkflowTask(
            task_id="/do/0/a", status=wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED
        )
        await services.executions.update_status(
            execution_id,
            wex.WorkflowExecutionStatus(phase=Phase.EXECUTION_IN_PROGRESS, tasks=[row]),
        )
        if phase != Phase.EXECUTION_IN_PROGRESS:
            await services.executions.update_status(
                execution_id, wex.WorkflowExecutionStatus(phase=phase)
            )
        return execution_id

    async def task_ids(self, execution_id: str) -> list[str]:
        stored = await self.server.services.executions.get(execution_id)
        return [t.task_id for t in stored.status.tasks]


@pytest_asyncio.fixture
async def env(
    api_key: str | None,
    server_keys: ApiKeySettings,
    redis_url: str,
    temporal_client: Client,
    task_queue: str,
) -> AsyncIterator[Env]:
    server = await build_server(
        Config(
            grpc_host="127.0.0.1",
            grpc_port=0,
            redis_url=redis_url,
            redis_key_prefix=f"t-{uuid.uuid4().hex}",
            temporal_disabled=True,
            api_keys=server_keys,
        )
    )
    async with (
        StigmerClient(ClientConfig(endpoint=f"127.0.0.1:{server.port}", api_key=api_key)) as api,
        Worker(
            temporal_client,
            task_queue=task_queue,
            workflows=[ProgressSender],
            activities=[ReportProgressActivity(api).report_task_progress],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ),
    ):
        yield Env(server, temporal_client, task_queue)
    await server.stop(0)


def _batch(execution_id: str) -> ProgressBatch:
    row = TaskProgress(task_id="/do/9/forged", task_name="forged", task_kind="set", status="FAILED")
    return ProgressBatch(execution_id=execution_id, tasks=[row], sequence=1)


@pytest.mark.parametrize("api_key", [None, "runner-key-1"])
async def test_rows_go_to_the_scheduling_interpreters_execution(env: Env) -> None:
    victim = await env.execution(Phase.EXECUTION_IN_PROGRESS)
    mine = await env.execution(Phase.EXECUTION_IN_PROGRESS)
    assert await env.send(interpreter_workflow_id(mine), _batch(victim)) == ""
    assert await env.task_ids(mine) == ["/do/0/a", "/do/9/forged"]
    assert await env.task_ids(victim) == ["/do/0/a"]


async def test_other_workflows_report_nothing(env: Env) -> None:
    victim = await env.execution(Phase.EXECUTION_IN_PROGRESS)
    failure = await env.send(f"rogue-{uuid.uuid4()}", _batch(victim))
    assert failure == NOT_AN_INTERPRETER
    assert await env.task_ids(victim) == ["/do/0/a"]


@pytest.mark.parametrize("api_key", [None, "runner-key-1"])
async def test_rows_of_an_ended_execution_are_dropped(env: Env) -> None:
    ended = await env.execution(Phase.EXECUTION_COMPLETED)
    assert await env.send(interpreter_workflow_id(ended), _batch(ended)) == ""
    assert await env.task_ids(ended) == ["/do/0/a"]
