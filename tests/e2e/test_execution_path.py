"""The full execution path through real services: gRPC -> stigmer-server -> Temporal ->
workflow-runner -> interpreter -> progress over gRPC -> subscribe.

stigmer-server and workflow-runner run as subprocesses against the session's real Redis and
Temporal dev server.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_testing.executions import follow, start_execution
from stigmer_testing.history import decoded_history
from stigmer_testing.http_stub import QuietHandler, serve_http
from temporalio.client import Client

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
TaskStatus = wex.WorkflowTaskStatus


class _Stub(QuietHandler):
    seen_tokens: list[str] = []

    def do_GET(self) -> None:
        if self.headers.get("X-Token"):
            _Stub.seen_tokens.append(self.headers["X-Token"])
        if self.path.startswith("/pets/1"):
            self.reply(200, json.dumps({"id": 1, "name": "Rex"}).encode())
        else:
            self.reply(404, json.dumps({"message": "no such pet"}).encode())


@pytest.fixture(scope="module")
def http_stub() -> Iterator[str]:
    """A loopback HTTP server: /pets/1 answers 200, anything else 404."""
    with serve_http(_Stub) as url:
        yield url


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stigmer_endpoint) as ch:
        yield ch


async def _run(
    channel: grpc.aio.Channel,
    document: dict[str, Any],
    data: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
) -> tuple[wex.WorkflowExecution, list[wex.WorkflowExecution]]:
    """Apply the DSL document, create an execution, follow it with subscribe to its end."""
    name = f"{document['document']['name']}-{uuid.uuid4().hex[:6]}"
    document = {**document, "document": {**document["document"], "name": name}}
    spec = dsl_to_workflow_spec(yaml.safe_dump(document))
    created = await start_execution(channel, name, spec, data, secrets)
    seen = await follow(channel, created.metadata.id, within=60)
    return seen[-1], seen


def _tasks(execution: wex.WorkflowExecution) -> dict[str, wex.WorkflowTask]:
    return {t.task_id: t for t in execution.status.tasks}


def _doc(name: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": tasks,
    }


async def test_set_and_switch(channel: grpc.aio.Channel) -> None:
    doc = _doc(
        "set-switch",
        [
            {"init": {"set": {"size": "${ .n * 10 }"}}},
            {
                "route": {
                    "switch": [
                        {"big": {"when": "${ .size > 50 }", "then": "big"}},
                        {"small": {"then": "small"}},
                    ]
                }
            },
            {"small": {"set": {"kind": "small"}, "then": "end"}},
            {"big": {"set": {"kind": "big"}}},
        ],
    )
    final, updates = await _run(channel, doc, {"n": 7})
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output.to_dict() == {"kind": "big"}
    tasks = _tasks(final)
    assert tasks["/do/0/init"].status == TaskStatus.WORKFLOW_TASK_COMPLETED
    assert tasks["/do/1/route"].task_type == wex.WorkflowTaskType.WORKFLOW_TASK_CONDITIONAL
    assert tasks["/do/3/big"].status == TaskStatus.WORKFLOW_TASK_COMPLETED
    assert "/do/2/small" not in tasks
    assert final.status.started_at and final.status.completed_at
    assert (
        final.status.temporal_workflow_id
        == f"stigmer/workflow-execution/invoke/{final.metadata.id}"
    )
    assert updates[0].status.phase in (Phase.EXECUTION_PENDING, Phase.EXECUTION_IN_PROGRESS)


async def test_http_call_to_a_loopback_stub(channel: grpc.aio.Channel, http_stub: str) -> None:
    doc = _doc(
        "http-fetch",
        [
            {
                "getPet": {
                    "call": "http",
                    "with": {"method": "get", "endpoint": f"{http_stub}/pets/1"},
                }
            }
        ],
    )
    final, _ = await _run(channel, doc)
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output.to_dict() == {"id": 1, "name": "Rex"}
    assert _tasks(final)["/do/0/getPet"].task_type == wex.WorkflowTaskType.WORKFLOW_TASK_API_CALL


async def test_try_catch_of_a_404(channel: grpc.aio.Channel, http_stub: str) -> None:
    doc = _doc(
        "try-404",
        [
            {
                "guarded": {
                    "try": [
                        {
                            "getPet": {
                                "call": "http",
                                "with": {"method": "get", "endpoint": f"{http_stub}/pets/9"},
                            }
                        }
                    ],
                    "catch": {
                        "errors": {"with": {"status": 404}},
                        "as": "err",
                        "do": [
                            {"fallback": {"set": {"missing": True, "status": "${ $err.status }"}}}
                        ],
                    },
                }
            }
        ],
    )
    final, _ = await _run(channel, doc)
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output.to_dict() == {"missing": True, "status": 404}
    tasks = _tasks(final)
    assert tasks["/do/0/guarded/try/0/getPet"].status == TaskStatus.WORKFLOW_TASK_FAILED
    assert tasks["/do/0/guarded/catch/do/0/fallback"].status == TaskStatus.WORKFLOW_TASK_COMPLETED


async def test_raise_fails_with_a_readable_error(channel: grpc.aio.Channel) -> None:
    doc = _doc(
        "raise",
        [
            {
                "reject": {
                    "raise": {
                        "error": {
                            "type": "https://serverlessworkflow.io/spec/1.0.0/errors/validation",
                            "status": 400,
                            "title": "Invalid order",
                            "detail": "quantity must be positive",
                        }
                    }
                }
            }
        ],
    )
    final, _ = await _run(channel, doc)
    assert final.status.phase == Phase.EXECUTION_FAILED
    assert "Invalid order" in final.status.error
    assert "quantity must be positive" in final.status.error
    details = final.status.error_details.to_dict()
    assert details["status"] == 400
    assert details["instance"] == "/do/0/reject"


async def test_for_loop_iterations_each_appear(channel: grpc.aio.Channel) -> None:
    doc = _doc(
        "loop",
        [
            {
                "each": {
                    "for": {"each": "item", "in": "${ .items }"},
                    "do": [{"double": {"set": {"value": "${ $item * 2 }"}}}],
                }
            }
        ],
    )
    final, _ = await _run(channel, doc, {"items": [1, 2, 3]})
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    ids = set(_tasks(final))
    for i in range(3):
        assert f"/do/0/each/do/0/double[{i}]" in ids
    assert len([t for t in ids if t.startswith("/do/0/each/do/0/double[")]) == 3


async def test_unknown_task_reference_is_refused_at_apply(channel: grpc.aio.Channel) -> None:
    # The server checks the document with the DSL library before storing it (ADR 0030).
    doc = _doc("bad-then", [{"first": {"set": {"a": 1}, "then": "nowhere"}}])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _run(channel, doc)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = refused.value.details() or ""
    assert "/do/0/first/then" in details
    assert "nowhere" in details


async def test_a_secret_reaches_the_http_call_but_never_history(
    channel: grpc.aio.Channel, http_stub: str, temporal_client: Client
) -> None:
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    doc = _doc(
        "secret-header",
        [
            {
                "getPet": {
                    "call": "http",
                    "with": {
                        "method": "get",
                        "endpoint": f"{http_stub}/pets/1",
                        "headers": {"X-Token": "${ $secrets.API_TOKEN }"},
                    },
                }
            }
        ],
    )
    doc["use"] = {"secrets": ["API_TOKEN"]}
    final, updates = await _run(channel, doc, secrets={"API_TOKEN": secret})
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert secret in _Stub.seen_tokens
    for workflow_id in (
        f"stigmer/workflow-execution/invoke/{final.metadata.id}",
        f"workflow-exec-{final.metadata.id}",
    ):
        history = await temporal_client.get_workflow_handle(workflow_id).fetch_history()
        text = decoded_history(json.loads(history.to_json()))
        assert "API_TOKEN" in text or workflow_id.startswith("workflow-exec-")  # payloads are read
        assert secret not in text, f"secret found in the history of {workflow_id}"
    assert all(secret not in json.dumps(u.status.to_dict()) for u in updates)


async def test_a_listen_task_waits_for_a_signalled_event(channel: grpc.aio.Channel) -> None:
    doc = _doc(
        "approval",
        [
            {
                "waitForDecision": {
                    "listen": {"to": {"one": {"with": {"type": "com.example.approval"}}}}
                }
            },
            {"decide": {"set": {"approved": "${ .[0].approved }"}}},
        ],
    )
    name = f"approval-{uuid.uuid4().hex[:6]}"
    doc["document"]["name"] = name
    workflow = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
        wf.Workflow(
            metadata=ar.ApiResourceMetadata(
                name=name, org="e2e", owner_scope=ar.ApiResourceOwnerScope.organization
            ),
            spec=dsl_to_workflow_spec(yaml.safe_dump(doc)),
        )
    )
    commands = wex_cmd.WorkflowExecutionCommandControllerStub(channel)
    created = await commands.create(
        wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(name=f"run-{name}", org="e2e"),
            spec=wex.WorkflowExecutionSpec(workflow_id=workflow.metadata.id),
        )
    )
    event = wkt.Struct.from_dict(
        {
            "specversion": "1.0",
            "id": "1",
            "source": "e2e",
            "type": "com.example.approval",
            "data": {"approved": True},
        }
    )
    signal = wex.WorkflowExecutionSignalInput(execution_id=created.metadata.id, event=event)
    async with asyncio.timeout(30):
        while True:  # the interpreter starts a moment after create returns
            try:
                await commands.signal(signal)
                break
            except grpc.aio.AioRpcError as err:
                assert err.code() == grpc.StatusCode.FAILED_PRECONDITION, err.details()
                await asyncio.sleep(0.1)
        stream = wex_qry.WorkflowExecutionQueryControllerStub(channel).subscribe(
            wex.SubscribeWorkflowExecutionRequest(execution_id=created.metadata.id)
        )
        final = [u async for u in stream][-1]
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output.to_dict() == {"approved": True}
    assert (
        _tasks(final)["/do/0/waitForDecision"].task_type
        == wex.WorkflowTaskType.WORKFLOW_TASK_APPROVAL
    )
