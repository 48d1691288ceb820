"""Documents and requests are bounded before they cost, through the real services.

An alias bomb is refused at every entry point (CLI, remote OpenAPI document); a hostile
request (too large, too deep) is refused while health keeps answering; an input larger than
Temporal can carry is refused at ``create`` and nothing is stored.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.limits import (
    MAX_EXECUTION_SPEC_BYTES,
    MAX_INPUT_BYTES,
    MAX_MESSAGE_BYTES,
    MAX_MESSAGE_DEPTH,
    MAX_YAML_ALIAS_NODES,
)
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.wire import deep_struct, execution_with_input

pytestmark = pytest.mark.e2e

CREATE = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/create"
BOMB_ERROR = f"YAML aliases expand to more than {MAX_YAML_ALIAS_NODES} nodes"


def laughs(levels: int = 9) -> list[str]:
    """The anchor lines of a "billion laughs": 9 ** (levels + 1) strings once expanded."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * 9) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return lines


def bomb_workflow() -> str:
    """A DSL document (a few hundred bytes) whose one task sets the expanded bomb."""
    anchors = "\n".join(f"    {line}" for line in laughs())
    return (
        "document: {dsl: 1.0.0, namespace: e2e, name: bomb, version: 1.0.0}\n"
        "do:\n"
        "  - boom:\n"
        "      set:\n"
        f"{anchors}\n"
    )


def cli(*args: str, endpoint: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STIGMER_ENDPOINT"}
    if endpoint is not None:
        env["STIGMER_ENDPOINT"] = endpoint
    return subprocess.run(
        [sys.executable, "-m", "stigmer_cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


class _BombDocument(QuietHandler):
    def do_GET(self) -> None:
        body = ("openapi: 3.0.0\n" + "\n".join(laughs()) + "\n").encode()
        self.reply(200, body, "application/yaml")


@pytest.fixture(scope="module")
def bomb_server() -> Iterator[str]:
    """A loopback HTTP server answering every GET with an alias-bomb OpenAPI document."""
    with serve_http(_BombDocument) as url:
        yield url


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    # A client that sends anything: the hostile requests must reach the server.
    options = [("grpc.max_send_message_length", -1)]
    async with grpc.aio.insecure_channel(stigmer_endpoint, options=options) as ch:
        yield ch


async def health_during(channel: grpc.aio.Channel, hostile: Any) -> tuple[Any, list[float]]:
    """Run the ``hostile`` call while checking health (1 s deadline) every 50 ms.

    Returns:
        The hostile call's error (or result), and the latencies of the health checks.
    """
    stub = health_pb2_grpc.HealthStub(channel)
    task = asyncio.ensure_future(hostile)
    latencies: list[float] = []
    while not task.done() or not latencies:
        started = time.perf_counter()
        reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
        latencies.append(time.perf_counter() - started)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        await asyncio.sleep(0.05)
    try:
        return await task, latencies
    except grpc.aio.AioRpcError as err:
        return err, latencies


def report(name: str, latencies: list[float]) -> None:
    print(f"{name}: {len(latencies)} health checks, max {max(latencies) * 1000:.1f} ms")


def execution_bytes(input_struct: bytes) -> bytes:
    """A WorkflowExecution for workflow ``wfl-none`` whose ``spec.input`` is the given bytes."""
    request = wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(name=f"hostile-{uuid.uuid4().hex[:6]}", org="e2e"),
        spec=wex.WorkflowExecutionSpec(workflow_id="wfl-none"),
    )
    return execution_with_input(request, input_struct)


async def execution_count(channel: grpc.aio.Channel) -> int:
    stub = wex_qry.WorkflowExecutionQueryControllerStub(channel)
    count, token = 0, ""
    while True:
        page = await stub.list(wex.ListWorkflowExecutionsRequest(page_size=100, page_token=token))
        count += len(page.entries)
        token = page.next_page_token
        if not token:
            return count


def test_cli_validate_refuses_an_alias_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb_workflow())
    assert path.stat().st_size < 1024
    done = cli("validate", str(path))
    assert done.returncode != 0
    assert BOMB_ERROR in done.stderr


async def test_cli_apply_refuses_an_alias_bomb(
    tmp_path: Path, stigmer_endpoint: str, channel: grpc.aio.Channel
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb_workflow())
    done = cli("apply", "-f", str(path), endpoint=stigmer_endpoint)
    assert done.returncode != 0
    assert BOMB_ERROR in done.stderr
    reply = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(), timeout=1.0
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_cli_run_refuses_an_alias_bomb_as_input_file(tmp_path: Path, stigmer_endpoint: str) -> None:
    workflow = tmp_path / "hello.yaml"
    workflow.write_text(
        "document: {dsl: 1.0.0, namespace: e2e, name: bomb-input, version: 1.0.0}\n"
        "do:\n  - a:\n      set: {a: 1}\n"
    )
    data = tmp_path / "input.yaml"
    data.write_text("\n".join(laughs()) + "\n")
    done = cli("run", "-f", str(workflow), "--input", f"@{data}", endpoint=stigmer_endpoint)
    assert done.returncode != 0
    assert BOMB_ERROR in done.stderr


async def test_a_remote_openapi_alias_bomb_fails_the_task(
    channel: grpc.aio.Channel, bomb_server: str
) -> None:
    name = f"openapi-bomb-{uuid.uuid4().hex[:6]}"
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": [
            {
                "call": {
                    "call": "openapi",
                    "with": {
                        "document": {"endpoint": f"{bomb_server}/openapi.yaml"},
                        "operationId": "getPet",
                    },
                }
            }
        ],
    }
    org = ar.ApiResourceOwnerScope.organization
    workflow = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
        wf.Workflow(
            metadata=ar.ApiResourceMetadata(name=name, org="e2e", owner_scope=org),
            spec=dsl_to_workflow_spec(yaml.safe_dump(document)),
        )
    )
    created = await wex_cmd.WorkflowExecutionCommandControllerStub(channel).create(
        wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(name=f"run-{name}", org="e2e", owner_scope=org),
            spec=wex.WorkflowExecutionSpec(workflow_id=workflow.metadata.id),
        )
    )
    updates: list[wex.WorkflowExecution] = []
    stream = wex_qry.WorkflowExecutionQueryControllerStub(channel).subscribe(
        wex.SubscribeWorkflowExecutionRequest(execution_id=created.metadata.id)
    )
    async with asyncio.timeout(60):
        async for update in stream:
            updates.append(update)
    assert updates
    final = updates[-1]
    assert final.status.phase == wex.ExecutionPhase.EXECUTION_FAILED
    assert BOMB_ERROR in final.status.error


async def test_a_10_mb_request_is_refused_while_health_answers(channel: grpc.aio.Channel) -> None:
    blob = bytes(wkt.Struct.from_dict({"blob": "x" * (10 * 1024 * 1024)}))
    hostile = channel.unary_unary(CREATE)(execution_bytes(blob), timeout=60)
    err, latencies = await health_during(channel, hostile)
    report("10 MB request", latencies)
    assert isinstance(err, grpc.aio.AioRpcError)
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert len(blob) > MAX_MESSAGE_BYTES


async def test_a_deeply_nested_struct_is_refused_while_health_answers(
    channel: grpc.aio.Channel,
) -> None:
    hostile = channel.unary_unary(CREATE)(execution_bytes(deep_struct(10_000)), timeout=60)
    err, latencies = await health_during(channel, hostile)
    report("deep Struct", latencies)
    assert isinstance(err, grpc.aio.AioRpcError)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"more than {MAX_MESSAGE_DEPTH} levels deep" in (err.details() or "")


async def test_a_large_request_is_decoded_while_health_answers(
    channel: grpc.aio.Channel,
) -> None:
    # Just under the input limit, in thousands of small fields: seconds of decoding, which
    # happen in a worker thread; the execution's workflow does not exist.
    fields = {f"k{i}": i for i in range(MAX_INPUT_BYTES // 24)}
    data = bytes(wkt.Struct.from_dict(fields))
    assert len(data) < MAX_INPUT_BYTES
    hostile = channel.unary_unary(CREATE)(execution_bytes(data), timeout=120)
    err, latencies = await health_during(channel, hostile)
    report(f"{len(data)}-byte request of {len(fields)} fields", latencies)
    assert isinstance(err, grpc.aio.AioRpcError)
    assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_a_3_mb_input_is_refused_at_create_and_nothing_is_stored(
    channel: grpc.aio.Channel,
) -> None:
    workflow_id = await _some_workflow(channel)
    before = await execution_count(channel)
    big = wkt.Struct.from_dict({"blob": "x" * (3 * 1024 * 1024)})
    request = wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(name=f"big-{uuid.uuid4().hex[:6]}", org="e2e"),
        spec=wex.WorkflowExecutionSpec(workflow_id=workflow_id, input=big),
    )
    create = wex_cmd.WorkflowExecutionCommandControllerStub(channel).create
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await create(request, timeout=60)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = info.value.details() or ""
    assert f"spec.input is {len(bytes(big))} bytes" in details
    assert f"at most {MAX_INPUT_BYTES}" in details
    assert await execution_count(channel) == before


async def test_an_oversized_execution_spec_is_refused_and_nothing_is_stored(
    channel: grpc.aio.Channel,
) -> None:
    # Not the input: a runtime value, which also travels in the execution's Temporal payload.
    workflow_id = await _some_workflow(channel)
    before = await execution_count(channel)
    env = {"BIG": ExecutionValue(value="x" * (2 * 1024 * 1024))}
    request = wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(name=f"big-env-{uuid.uuid4().hex[:6]}", org="e2e"),
        spec=wex.WorkflowExecutionSpec(workflow_id=workflow_id, runtime_env=env),
    )
    create = wex_cmd.WorkflowExecutionCommandControllerStub(channel).create
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await create(request, timeout=60)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"at most {MAX_EXECUTION_SPEC_BYTES} are accepted" in (info.value.details() or "")
    assert await execution_count(channel) == before


async def _some_workflow(channel: grpc.aio.Channel) -> str:
    name = f"bounded-{uuid.uuid4().hex[:6]}"
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": [{"a": {"set": {"a": 1}}}],
    }
    workflow = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
        wf.Workflow(
            metadata=ar.ApiResourceMetadata(
                name=name, org="e2e", owner_scope=ar.ApiResourceOwnerScope.organization
            ),
            spec=dsl_to_workflow_spec(yaml.safe_dump(document)),
        )
    )
    return str(workflow.metadata.id)
