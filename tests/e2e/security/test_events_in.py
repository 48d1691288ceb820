"""Events in through the real services (ADR 0037): CloudEvents posted over HTTP by a plain
``httpx`` client reach the ``listen`` tasks they correlate with, once, and survive a kill -9.

The module runs its own stigmer-server (it needs the events endpoint and kills the server) and
workflow-runner, once, on the session's Redis and Temporal.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import pytest_asyncio
import yaml
from stigmer_devstack.ports import free_port
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.google import protobuf as wkt
from stigmer_testing.executions import (
    apply_workflow,
    create_execution,
    follow,
    get_execution,
)
from stigmer_testing.services import stop_process, wait_grpc_serving
from stigmer_testing.stack import service_env as stack_env

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
APPROVAL = "com.example.approval.v1"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@dataclass
class Stack:
    """This module's services; :meth:`kill_server` and :meth:`start_server` for the crash."""

    env: dict[str, str]
    server: subprocess.Popen[bytes]
    runner: subprocess.Popen[bytes]

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.env['STIGMER_EVENTS_HTTP_PORT']}/events"

    def start_server(self) -> None:
        self.server = _spawn("stigmer_server.main", self.env)
        wait_grpc_serving(self.env["STIGMER_BACKEND_ENDPOINT"], self.server)

    def kill_server(self) -> None:
        self.server.kill()
        self.server.wait()


def _spawn(module: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", module], env=env)


@pytest.fixture(scope="module")
def stack(redis_url: str, temporal_address: str) -> Iterator[Stack]:
    env = stack_env(redis_url, temporal_address, "events")
    env["STIGMER_EVENTS_HTTP_PORT"] = str(free_port())
    env["STIGMER_EVENTS_HTTP_HOST"] = "127.0.0.1"
    env["STIGMER_EVENTS_CONSUMER"] = "events-e2e"
    # emit tasks post to this server's own ingress (the operator's sink setting)
    env["STIGMER_EVENT_SINK_URL"] = f"http://127.0.0.1:{env['STIGMER_EVENTS_HTTP_PORT']}/events"
    runner = _spawn("workflow_runner.main", env)
    services = Stack(env, runner, runner)
    try:
        services.start_server()
        yield services
    finally:
        stop_process(services.server)
        stop_process(runner)


@pytest_asyncio.fixture
async def channel(stack: Stack) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stack.env["STIGMER_BACKEND_ENDPOINT"]) as ch:
        yield ch


def _correlated(until: bool = False) -> str:
    """Wait for this run's approval (correlated by ``request``); or collect items until closed."""
    correlate = {"request": {"from": "${ .data.request }", "expect": "${ .request }"}}
    if until:
        to: dict[str, Any] = {
            "any": [{"with": {"type": "com.example.item.v1"}, "correlate": correlate}],
            "until": {"one": {"with": {"type": "com.example.closed.v1"}, "correlate": correlate}},
        }
    else:
        to = {"one": {"with": {"type": APPROVAL}, "correlate": correlate}}
    return yaml.safe_dump(
        {
            "document": {"dsl": "1.0.0", "namespace": "e2e", "name": "ev", "version": "1.0.0"},
            "do": [{"wait": {"listen": {"to": to}}}, {"got": {"set": {"events": "${ . }"}}}],
        }
    )


async def _workflow(channel: grpc.aio.Channel, text: str) -> str:
    applied = await apply_workflow(
        channel, f"events-{uuid.uuid4().hex[:8]}", dsl_to_workflow_spec(text)
    )
    assert applied.metadata is not None
    return str(applied.metadata.id)


async def _run(channel: grpc.aio.Channel, workflow_id: str, request: str) -> str:
    created = await create_execution(
        channel, workflow_id, f"run-{request}-{uuid.uuid4().hex[:6]}", {"request": request}
    )
    assert created.metadata is not None
    return str(created.metadata.id)


async def _listening(channel: grpc.aio.Channel, execution_id: str) -> None:
    """Wait until the execution's ``listen`` task is reported waiting (so it is registered)."""
    async with asyncio.timeout(60):
        while True:
            status = (await get_execution(channel, execution_id)).status
            rows = status.tasks if status is not None else []
            if any(
                row.task_id == "/do/0/wait"
                and row.status == wex.WorkflowTaskStatus.WORKFLOW_TASK_IN_PROGRESS
                for row in rows
            ):
                return
            await asyncio.sleep(0.1)


async def _events(channel: grpc.aio.Channel, execution_id: str) -> list[Any]:
    """The events the execution consumed (its output), once it completed."""
    final = (await follow(channel, execution_id))[-1]
    assert final.status is not None
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output is not None
    events: list[Any] = final.status.output.to_dict()["events"]
    return events


def _event(type_: str, request: str, id_: str, **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "type": type_,
        "source": "https://shop.example/e2e",
        "id": id_,
        "data": {"request": request, **data},
    }


async def _post(client: httpx.AsyncClient, url: str, event: dict[str, Any]) -> dict[str, Any]:
    """POST one structured-mode CloudEvent; the 202 answer's body."""
    response = await client.post(
        url, json=event, headers={"content-type": "application/cloudevents+json"}
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_execution_gets_only_its_own_event(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    workflow_id = await _workflow(channel, _correlated())
    first, second = await _run(channel, workflow_id, "A"), await _run(channel, workflow_id, "B")
    await _listening(channel, first)
    await _listening(channel, second)
    async with httpx.AsyncClient() as client:
        await _post(client, stack.events_url, _event(APPROVAL, "nobody", "n-1", approved=False))
        # Binary content mode: attributes in ce- headers, data as the body.
        binary = await client.post(
            stack.events_url,
            json={"request": "B", "approved": False},
            headers={
                "ce-specversion": "1.0",
                "ce-type": APPROVAL,
                "ce-source": "https://shop.example/e2e",
                "ce-id": "b-1",
            },
        )
        assert binary.status_code == 202, binary.text
        await _post(client, stack.events_url, _event(APPROVAL, "A", "a-1", approved=True))
    got_first, got_second = await _events(channel, first), await _events(channel, second)
    assert got_first == [{"request": "A", "approved": True}]
    assert got_second == [{"request": "B", "approved": False}]


async def test_an_event_posted_before_its_listener_starts_is_delivered(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    workflow_id = await _workflow(channel, _correlated())
    async with httpx.AsyncClient() as client:
        await _post(client, stack.events_url, _event(APPROVAL, "early", "e-1", approved=True))
    execution_id = await _run(channel, workflow_id, "early")
    assert await _events(channel, execution_id) == [{"request": "early", "approved": True}]


async def test_a_duplicate_is_delivered_once(stack: Stack, channel: grpc.aio.Channel) -> None:
    workflow_id = await _workflow(channel, _correlated(until=True))
    execution_id = await _run(channel, workflow_id, "basket")
    await _listening(channel, execution_id)
    item = _event("com.example.item.v1", "basket", "i-1", n=1)
    async with httpx.AsyncClient() as client:
        assert await _post(client, stack.events_url, item) == {
            "accepted": ["i-1"],
            "duplicates": [],
        }
        assert await _post(client, stack.events_url, item) == {
            "accepted": [],
            "duplicates": ["i-1"],
        }
        batch = await client.post(
            stack.events_url,
            json=[
                _event("com.example.item.v1", "basket", "i-2", n=2),
                _event("com.example.closed.v1", "basket", "c-1"),
            ],
            headers={"content-type": "application/cloudevents-batch+json"},
        )
        assert batch.status_code == 202, batch.text
    assert await _events(channel, execution_id) == [
        {"request": "basket", "n": 1},
        {"request": "basket", "n": 2},
    ]


async def test_a_malformed_or_oversized_post_is_refused(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        missing_id = {k: v for k, v in _event(APPROVAL, "x", "x").items() if k != "id"}
        response = await client.post(
            stack.events_url,
            json=missing_id,
            headers={"content-type": "application/cloudevents+json"},
        )
        assert response.status_code == 400
        assert "'id'" in response.json()["error"]
        too_large = await client.post(
            stack.events_url,
            content=b"{" + b" " * (300 * 1024) + b"}",
            headers={"content-type": "application/cloudevents+json"},
        )
        assert too_large.status_code == 413


def _documented_http_approval() -> tuple[dict[str, Any], list[str], Any]:
    """From examples/README.md's approval-http row: the run's input, the curl argv, the output."""
    row = next(
        line
        for line in (EXAMPLES / "README.md").read_text().splitlines()
        if line.startswith("| `approval-http.yaml` |")
    )
    spans = re.findall(r"`([^`]+)`", row)
    run = next(span for span in spans if span.startswith("stigmer run "))
    curl = next(span for span in spans if span.startswith("curl "))
    run_args = shlex.split(run)
    assert run_args[:4] == ["stigmer", "run", "-f", "examples/approval-http.yaml"], run
    data = json.loads(run_args[run_args.index("--input") + 1])
    return data, shlex.split(curl), json.loads(spans[-1])


async def test_the_documented_http_approval_works_as_written(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    data, curl, output = _documented_http_approval()
    applied = await apply_workflow(
        channel,
        f"approval-http-{uuid.uuid4().hex[:8]}",
        dsl_to_workflow_spec((EXAMPLES / "approval-http.yaml").read_text()),
    )
    assert applied.metadata is not None
    created = await create_execution(channel, applied.metadata.id, "run-approval-http", data)
    assert created.metadata is not None
    port = stack.env["STIGMER_EVENTS_HTTP_PORT"]
    argv = [arg.replace("127.0.0.1:7235", f"127.0.0.1:{port}") for arg in curl]
    posted = await asyncio.to_thread(
        subprocess.run, [*argv, "-sS", "-w", "\n%{http_code}"], capture_output=True, text=True
    )
    assert posted.stdout.rstrip().endswith("202"), (posted.stdout, posted.stderr)
    final = (await follow(channel, created.metadata.id))[-1]
    assert final.status is not None and final.status.output is not None, final
    assert final.status.output.to_dict() == output


async def test_killing_the_server_after_accepting_loses_nothing(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    workflow_id = await _workflow(channel, _correlated())
    waiting = await _run(channel, workflow_id, "waiting")
    await _listening(channel, waiting)
    async with httpx.AsyncClient() as client:
        await _post(client, stack.events_url, _event(APPROVAL, "later", "k-1", approved=True))
        await _post(client, stack.events_url, _event(APPROVAL, "waiting", "k-2", approved=True))
    stack.kill_server()
    await asyncio.to_thread(stack.start_server)
    later = await _run(channel, workflow_id, "later")
    assert await _events(channel, waiting) == [{"request": "waiting", "approved": True}]
    assert await _events(channel, later) == [{"request": "later", "approved": True}]


ORDER = "com.example.order.v1"


async def _executions_of(channel: grpc.aio.Channel, workflow_id: str) -> list[Any]:
    stub = wex_qry.WorkflowExecutionQueryControllerStub(channel)
    page = await stub.listByWorkflow(
        wex.ListWorkflowExecutionsByWorkflowRequest(workflow_id=workflow_id, page_size=50)
    )
    return list(page.entries)


async def test_a_schedule_on_workflow_starts_one_execution_per_matching_event(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": "on-order", "version": "1.0.0"},
        "schedule": {
            "on": {"one": {"with": {"type": ORDER, "source": "https://shop.example/e2e"}}}
        },
        "do": [{"count": {"set": {"orders": "${ length }", "first": "${ .[0].data }"}}}],
    }
    workflow_id = await _workflow(channel, yaml.safe_dump(document))
    first = _event(ORDER, "o-1", "order-1", total=5)
    async with httpx.AsyncClient() as client:
        await _post(client, stack.events_url, first)
        await _post(client, stack.events_url, first)  # a duplicate starts nothing
        await _post(client, stack.events_url, {**_event(ORDER, "o-2", "order-2"), "source": "x"})
        await _post(client, stack.events_url, _event(ORDER, "o-3", "order-3", total=7))
    async with asyncio.timeout(90):
        while True:
            runs = await _executions_of(channel, workflow_id)
            done = [r for r in runs if r.status.phase == Phase.EXECUTION_COMPLETED]
            if len(done) >= 2:
                break
            await asyncio.sleep(0.3)
    outputs = sorted((r.status.output.to_dict() for r in done), key=lambda o: o["first"]["request"])
    assert outputs == [
        {"orders": 1, "first": {"request": "o-1", "total": 5}},
        {"orders": 1, "first": {"request": "o-3", "total": 7}},
    ]
    # One router reads the stream in order: the duplicate and the other source were routed
    # before the last event, and started nothing.
    assert len(await _executions_of(channel, workflow_id)) == 2


def _emit(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stigmer_cli", "emit", "--endpoint",
         stack.env["STIGMER_BACKEND_ENDPOINT"], *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def test_stigmer_emit_publishes_over_grpc_once(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    workflow_id = await _workflow(channel, _correlated())
    execution_id = await _run(channel, workflow_id, "grpc")
    await _listening(channel, execution_id)
    flags = ["--type", APPROVAL, "--source", "https://shop.example/e2e", "--id", "g-1"]
    data = ["--data", json.dumps({"request": "grpc", "approved": True})]
    first = await asyncio.to_thread(_emit, stack, *flags, *data)
    assert first.returncode == 0 and first.stdout.split() == ["g-1", "accepted"], first.stderr
    again = await asyncio.to_thread(_emit, stack, *flags, *data)
    assert again.returncode == 0 and again.stdout.split()[:2] == ["g-1", "duplicate"]
    assert await _events(channel, execution_id) == [{"request": "grpc", "approved": True}]

    stub = wex_cmd.WorkflowExecutionCommandControllerStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.publish(
            wex.WorkflowExecutionPublishInput(
                events=[
                    wkt.Struct.from_dict({"specversion": "1.0", "type": APPROVAL, "source": "s"})
                ]
            )
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad.value.details().startswith("events[0]") and "'id'" in bad.value.details()


async def test_an_emit_task_wakes_another_execution(channel: grpc.aio.Channel) -> None:
    waiting = await _run(channel, await _workflow(channel, _correlated()), "wake")
    await _listening(channel, waiting)
    emitter = yaml.safe_dump(
        {
            "document": {"dsl": "1.0.0", "namespace": "e2e", "name": "emitter", "version": "1.0.0"},
            "do": [
                {
                    "tell": {
                        "emit": {
                            "event": {
                                "with": {
                                    "type": APPROVAL,
                                    "source": "https://shop.example/e2e",
                                    "data": {"request": "wake", "approved": True},
                                }
                            }
                        }
                    }
                }
            ],
        }
    )
    emitting = await _run(channel, await _workflow(channel, emitter), "emitter")
    final = (await follow(channel, emitting))[-1]
    assert final.status is not None and final.status.phase == Phase.EXECUTION_COMPLETED
    assert await _events(channel, waiting) == [{"request": "wake", "approved": True}]
