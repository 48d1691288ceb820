"""Scoped API keys end to end (issue 16): both services as subprocesses, the server reading its
keys from a file, the runner sending a ``runner:`` key.

- The runner runs executions with its ``runner`` key: progress, secrets, listen + signal.
- A ``runner`` key cannot apply or delete, read the secrets of an execution that ended or ask
  for them as another execution's interpreter workflow, or update an execution not in flight
  (PERMISSION_DENIED, nothing changes).
- A ``read`` key cannot write.
- Rewriting the key file rotates keys without a restart; a malformed file keeps the keys in force.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.executions import (
    apply_workflow,
    create_execution,
    dsl_document,
    follow,
    org_metadata,
)
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.stack import Services, run_services, service_env

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
RUN = uuid.uuid4().hex[:10]
ADMIN, WRITE, READ, RUNNER = (f"{s}-{RUN}" for s in ("adm", "wri", "rea", "run"))
KEY_FILE = f"admin:{ADMIN}\nwrite:{WRITE}\nread:{READ}\nrunner:{RUNNER}\n"


class _BearerUnary(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Sends ``authorization: Bearer <key>`` on every unary call of the channel."""

    def __init__(self, key: str) -> None:
        self.entry = ("authorization", f"Bearer {key}")

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with(details, self.entry), request)


class _BearerStream(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """The same for server-streaming calls (grpc.aio files an interceptor under one kind)."""

    def __init__(self, key: str) -> None:
        self.entry = ("authorization", f"Bearer {key}")

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with(details, self.entry), request)


def _with(details: Any, entry: tuple[str, str]) -> Any:
    return details._replace(metadata=(*(details.metadata or ()), entry))


def _keyed_channel(endpoint: str, key: str) -> grpc.aio.Channel:
    """A channel sending ``key`` on every call."""
    return grpc.aio.insecure_channel(endpoint, interceptors=[_BearerUnary(key), _BearerStream(key)])


class _Collector(QuietHandler):
    """Records the ``X-Token`` header of each request."""

    tokens: list[str | None] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Collector.tokens.append(self.headers.get("X-Token"))
        self.reply(200, json.dumps({"ok": True}).encode())


@dataclass(frozen=True)
class _Stack:
    services: Services
    key_file: Path
    collector: str

    @property
    def server_log(self) -> Path:
        assert self.services.dir is not None
        return self.services.dir / "server.log"


@pytest.fixture(scope="module")
def stack(
    redis_url: str, temporal_address: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Stack]:
    """The services, the server reading ``KEY_FILE`` (checked every 0.2 s), the runner with
    the ``runner`` key; and a loopback HTTP server recording tokens."""
    out = tmp_path_factory.mktemp("scoped-keys")
    key_file = out / "api-keys"
    key_file.write_text(KEY_FILE)
    env = {
        **service_env(redis_url, temporal_address, "e2e-scoped"),
        "STIGMER_API_KEYS_FILE": str(key_file),
        "STIGMER_API_KEYS_RELOAD_SECONDS": "0.2",
        "STIGMER_API_KEY": RUNNER,  # the runner's key; the server does not read it
        "PYTHONUNBUFFERED": "1",
    }
    with serve_http(_Collector) as collector, run_services(env, out, timeout=90) as services:
        yield _Stack(services, key_file, collector)


Connect = Callable[[str], Awaitable[grpc.aio.Channel]]


@pytest_asyncio.fixture
async def connect(stack: _Stack) -> AsyncIterator[Connect]:
    """Opens channels that send a given key; all closed at the end."""
    opened: list[grpc.aio.Channel] = []

    async def open_with(key: str) -> grpc.aio.Channel:
        channel = _keyed_channel(stack.services.endpoint, key)
        opened.append(channel)
        return channel

    yield open_with
    for channel in opened:
        await channel.close()


def _spec(name: str, tasks: list[dict[str, Any]]) -> wf.WorkflowSpec:
    return dsl_to_workflow_spec(yaml.safe_dump(dsl_document(name, tasks)))


async def _start(
    channel: grpc.aio.Channel, tasks: list[dict[str, Any]], secrets: dict[str, str] | None = None
) -> wex.WorkflowExecution:
    name = f"scoped-{uuid.uuid4().hex[:8]}"
    workflow = await apply_workflow(channel, name, _spec(name, tasks))
    return await create_execution(channel, workflow.metadata.id, f"run-{name}", secrets=secrets)


async def _code(call: Awaitable[Any]) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value.code()


@dataclass(frozen=True)
class _Executions:
    completed: wex.WorkflowExecution  # used a secret, ran to the end with the runner's key
    waiting: wex.WorkflowExecution  # in flight: waits for an event


LISTEN = [
    {"wait": {"listen": {"to": {"one": {"with": {"type": "com.example.go"}}}}}},
    {"done": {"set": {"got": "${ .[0] }"}}},
]


@pytest_asyncio.fixture(scope="module")
async def executions(stack: _Stack) -> AsyncIterator[_Executions]:
    """One execution run to the end with a secret, one left waiting for an event."""
    async with _keyed_channel(stack.services.endpoint, WRITE) as write:
        token = f"tok-{uuid.uuid4().hex}"
        _Collector.tokens.clear()
        started = await _start(
            write,
            [
                {"greet": {"set": {"hello": "world"}}},
                {
                    "send": {
                        "call": "http",
                        "with": {
                            "method": "post",
                            "endpoint": f"{stack.collector}/collect",
                            "headers": {"X-Token": "${ $secrets.TOKEN }"},
                            "body": {},
                        },
                    }
                },
            ],
            secrets={"TOKEN": token},
        )
        seen = await follow(write, started.metadata.id)
        completed = seen[-1]
        assert completed.status.phase == Phase.EXECUTION_COMPLETED, completed.status.error
        assert _Collector.tokens == [token]  # the runner fetched the secret with its key
        assert {t.task_id: t.status for t in completed.status.tasks} == {
            "/do/0/greet": wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED,
            "/do/1/send": wex.WorkflowTaskStatus.WORKFLOW_TASK_COMPLETED,
        }
        waiting = await _start(write, LISTEN)
        async with asyncio.timeout(60):  # the runner marks it IN_PROGRESS with its key
            async for update in wex_qry.WorkflowExecutionQueryControllerStub(write).subscribe(
                wex.SubscribeWorkflowExecutionRequest(execution_id=waiting.metadata.id)
            ):
                if update.status.phase == Phase.EXECUTION_IN_PROGRESS:
                    break
        yield _Executions(completed, waiting)
        # A write key delivers the event; the runner reports the end with its key.
        await wex_cmd.WorkflowExecutionCommandControllerStub(write).signal(
            wex.WorkflowExecutionSignalInput(
                execution_id=waiting.metadata.id,
                event=wkt.Struct.from_dict(
                    {"specversion": "1.0", "source": "e2e", "id": "1", "type": "com.example.go"}
                ),
            )
        )
        final = (await follow(write, waiting.metadata.id))[-1]
        assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error


async def test_the_runner_runs_executions_with_its_runner_key(
    executions: _Executions, connect: Connect
) -> None:
    # The fixture ran one execution with a secret to the end and has one waiting in flight.
    read = wex_qry.WorkflowExecutionQueryControllerStub(await connect(READ))
    waiting = await read.get(wex.WorkflowExecutionId(value=executions.waiting.metadata.id))
    assert waiting.status.phase == Phase.EXECUTION_IN_PROGRESS


async def test_a_runner_key_works_only_on_executions_in_flight(
    executions: _Executions, connect: Connect
) -> None:
    runner, admin = await connect(RUNNER), await connect(ADMIN)
    done, waiting = executions.completed.metadata.id, executions.waiting.metadata.id
    wf_id = executions.completed.spec.workflow_id
    queries = wex_qry.WorkflowExecutionQueryControllerStub(runner)
    commands = wex_cmd.WorkflowExecutionCommandControllerStub(runner)
    before = await wex_qry.WorkflowExecutionQueryControllerStub(admin).get(
        wex.WorkflowExecutionId(value=done)
    )
    denied = grpc.StatusCode.PERMISSION_DENIED
    assert await _code(wf_cmd.WorkflowCommandControllerStub(runner).apply(
        wf.Workflow(metadata=org_metadata("by-runner"), spec=_spec("by-runner", LISTEN))
    )) == denied  # fmt: skip
    assert (
        await _code(wf_cmd.WorkflowCommandControllerStub(runner).delete(wf.WorkflowId(value=wf_id)))
        == denied
    )
    # The secrets of an execution that ended, even asked for as its own interpreter.
    assert await _code(queries.getSecrets(wex.GetWorkflowExecutionSecretsRequest(
        execution_id=done, runner_workflow_id=interpreter_workflow_id(done)
    ))) == denied  # fmt: skip
    # The secrets of the execution in flight (another workflow), asked for as another's.
    assert await _code(queries.getSecrets(wex.GetWorkflowExecutionSecretsRequest(
        execution_id=waiting, runner_workflow_id=interpreter_workflow_id(done)
    ))) == denied  # fmt: skip
    assert await _code(commands.updateStatus(wex.WorkflowExecutionUpdateStatusInput(
        execution_id=done,
        status=wex.WorkflowExecutionStatus(
            tasks=[wex.WorkflowTask(task_id="/do/9/forged", status=wex.WorkflowTaskStatus.WORKFLOW_TASK_FAILED)]
        ),
    ))) == denied  # fmt: skip
    assert (
        await _code(wf_qry.WorkflowQueryControllerStub(runner).get(wf.WorkflowId(value=wf_id)))
        == denied
    )  # its only execution ended
    after = await wex_qry.WorkflowExecutionQueryControllerStub(admin).get(
        wex.WorkflowExecutionId(value=done)
    )
    assert after == before
    assert await wf_qry.WorkflowQueryControllerStub(admin).get(wf.WorkflowId(value=wf_id))


async def test_a_read_key_cannot_write(executions: _Executions, connect: Connect) -> None:
    read = await connect(READ)
    waiting = executions.waiting.metadata.id
    wf_id = executions.waiting.spec.workflow_id
    denied = grpc.StatusCode.PERMISSION_DENIED
    commands = wex_cmd.WorkflowExecutionCommandControllerStub(read)
    for call in (
        wf_cmd.WorkflowCommandControllerStub(read).apply(
            wf.Workflow(metadata=org_metadata("by-reader"), spec=_spec("by-reader", LISTEN))
        ),
        wf_cmd.WorkflowCommandControllerStub(read).delete(wf.WorkflowId(value=wf_id)),
        commands.create(
            wex.WorkflowExecution(
                metadata=org_metadata("run-by-reader"),
                spec=wex.WorkflowExecutionSpec(workflow_id=wf_id),
            )
        ),
        commands.cancel(wex.WorkflowExecutionCancelInput(execution_id=waiting)),
        commands.delete(ar.ApiResourceId(value=waiting)),
    ):
        assert await _code(call) == denied
    listed = await wex_qry.WorkflowExecutionQueryControllerStub(read).listByWorkflow(
        wex.ListWorkflowExecutionsByWorkflowRequest(workflow_id=wf_id)
    )
    assert [e.metadata.id for e in listed.entries] == [waiting]
    assert listed.entries[0].status.phase == Phase.EXECUTION_IN_PROGRESS


async def _eventually(check: Callable[[], Awaitable[bool]], within: float = 30) -> None:
    """Wait until ``check()`` holds (the server checks the file every 0.2 s)."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 - polling another process
            await asyncio.sleep(0.1)


async def _accepted(channel: grpc.aio.Channel) -> grpc.StatusCode:
    """The code of a read (``list``) with the channel's key: OK or UNAUTHENTICATED."""
    try:
        await wex_qry.WorkflowExecutionQueryControllerStub(channel).list(
            wex.ListWorkflowExecutionsRequest(page_size=1)
        )
    except grpc.aio.AioRpcError as err:
        return err.code()
    return grpc.StatusCode.OK


async def _is_ok(channel: grpc.aio.Channel) -> bool:
    return await _accepted(channel) == grpc.StatusCode.OK


async def _kept_after_error(channel: grpc.aio.Channel, log: Path) -> bool:
    # The file is checked when a call comes: call, then look for the error.
    return await _is_ok(channel) and "not reloaded" in log.read_text()


async def test_rewriting_the_key_file_rotates_keys_without_a_restart(
    stack: _Stack, connect: Connect
) -> None:
    server_pid = stack.services.server.pid
    rotated = f"rea2-{RUN}"
    old, new = await connect(READ), await connect(rotated)
    assert await _accepted(new) == grpc.StatusCode.UNAUTHENTICATED
    rewritten = KEY_FILE.replace(f"read:{READ}", f"read:{rotated}")
    aside = stack.key_file.with_suffix(".new")
    aside.write_text(rewritten)
    aside.replace(stack.key_file)
    await _eventually(lambda: _is_ok(new))
    assert await _accepted(old) == grpc.StatusCode.UNAUTHENTICATED

    # A malformed file keeps the keys in force and says why, without a key.
    stack.key_file.write_text(f"{rewritten}read:\n")
    await _eventually(lambda: _kept_after_error(new, stack.server_log))
    log = stack.server_log.read_text()
    assert "line 5: no key after the scope 'read'" in log
    for key in (ADMIN, WRITE, READ, RUNNER, rotated):
        assert key not in log

    stack.key_file.write_text(KEY_FILE)  # back to the start: the other tests' keys
    await _eventually(lambda: _is_ok(old))
    assert stack.services.server.poll() is None and stack.services.server.pid == server_pid
