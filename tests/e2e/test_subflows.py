"""``run: workflow`` subflows through the real services (ADR 0036).

The services run as subprocesses (tests/e2e/conftest.py). Each test applies its documents under
a namespace of its own, so the server's (org, namespace, name, version) lookup finds only them.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import grpc
import pytest
import pytest_asyncio
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.google.protobuf import Struct
from stigmer_protos.json_values import from_fields, whole_numbers
from stigmer_testing.executions import (
    apply_workflow,
    create_execution,
    follow,
    get_execution,
)

pytestmark = pytest.mark.e2e

COMPLETED = wex.ExecutionPhase.EXECUTION_COMPLETED
FAILED = wex.ExecutionPhase.EXECUTION_FAILED
CANCELLED = wex.ExecutionPhase.EXECUTION_CANCELLED
IN_PROGRESS = wex.ExecutionPhase.EXECUTION_IN_PROGRESS
DEFAULT_DEPTH = 8  # STIGMER_SUBFLOW_MAX_DEPTH's default, which the session stack keeps


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stigmer_endpoint) as ch:
        yield ch


@pytest.fixture
def namespace() -> str:
    return f"sub-{uuid.uuid4().hex[:8]}"


def _call(namespace: str, name: str, data: Mapping[str, Any] | str, **run: Any) -> dict[str, Any]:
    body = {"namespace": namespace, "name": name, "version": "1.0.0", "input": data}
    return {"run": {"workflow": body, **run}}


async def _apply(
    channel: grpc.aio.Channel, namespace: str, name: str, tasks: Sequence[Mapping[str, Any]]
) -> str:
    document = {
        "document": {"dsl": "1.0.0", "namespace": namespace, "name": name, "version": "1.0.0"},
        "do": list(tasks),
    }
    workflow = await apply_workflow(channel, f"{namespace}-{name}", dsl_to_workflow_spec(document))
    assert workflow.metadata is not None
    return workflow.metadata.id


async def _run(
    channel: grpc.aio.Channel, workflow_id: str, data: Mapping[str, Any] | None = None
) -> str:
    execution = await create_execution(channel, workflow_id, f"run-{uuid.uuid4().hex[:8]}", data)
    assert execution.metadata is not None
    return execution.metadata.id


async def _final(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    await follow(channel, execution_id)
    return await get_execution(channel, execution_id)


def _output(execution: wex.WorkflowExecution) -> Any:
    assert execution.status is not None
    return whole_numbers(from_fields(execution.status.output, execution.status.output_value))


def _children(execution: wex.WorkflowExecution) -> list[str]:
    """The subflow executions the parent's task rows name."""
    found: list[str] = []
    for task in (execution.status or wex.WorkflowExecutionStatus()).tasks:
        metadata = task.metadata.to_dict() if task.metadata is not None else {}
        found.extend(metadata.get("child_execution_ids", []))
    return found


async def _child_of(channel: grpc.aio.Channel, parent_id: str) -> str:
    """The first subflow the parent's rows name, once they name one."""
    async with asyncio.timeout(60):
        while True:
            children = _children(await get_execution(channel, parent_id))
            if children:
                return children[0]
            await asyncio.sleep(0.2)


async def _cancel_one(
    channel: grpc.aio.Channel, parent_wf: str, *, cancel_parent: bool
) -> tuple[wex.WorkflowExecution, wex.WorkflowExecution]:
    """Run the parent until its subflow runs, cancel one of them; both at their end."""
    parent_id = await _run(channel, parent_wf)
    child_id = await _child_of(channel, parent_id)
    await wex_cmd.WorkflowExecutionCommandControllerStub(channel).cancel(
        wex.WorkflowExecutionCancelInput(
            execution_id=parent_id if cancel_parent else child_id, reason="test"
        )
    )
    return await _final(channel, parent_id), await _final(channel, child_id)


def _phase(execution: wex.WorkflowExecution) -> wex.ExecutionPhase:
    assert execution.status is not None
    return execution.status.phase


def _spec(execution: wex.WorkflowExecution) -> wex.WorkflowExecutionSpec:
    assert execution.spec is not None
    return execution.spec


def _stigmer(endpoint: str, *args: str) -> str:
    """The output of the ``stigmer`` CLI, run as a user would."""
    env = {k: v for k, v in os.environ.items() if k != "STIGMER_ENDPOINT"}
    command = [sys.executable, "-m", "stigmer_cli", *args, "--endpoint", endpoint]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_parent_awaits_its_child_and_uses_its_output(
    channel: grpc.aio.Channel, namespace: str, stigmer_endpoint: str
) -> None:
    child_wf = await _apply(
        channel,
        namespace,
        "double",
        [{"double": {"set": {"result": "${ .n * 2 }", "saw": "${ $workflow.input }"}}}],
    )
    parent_wf = await _apply(
        channel,
        namespace,
        "parent",
        [
            {"callChild": _call(namespace, "double", {"n": "${ .start }"})},
            {"use": {"set": {"got": "${ .result + 1 }"}}},
        ],
    )

    parent_id = await _run(channel, parent_wf, {"start": 21})
    parent = await _final(channel, parent_id)

    assert parent.status is not None and parent.status.phase == COMPLETED, parent.status
    assert _output(parent) == {"got": 43}
    [child_id] = _children(parent)
    child = await get_execution(channel, child_id)
    assert child.status is not None and child.status.phase == COMPLETED
    assert _output(child) == {"result": 42, "saw": {"n": 21}}  # the input, as the parent gave it
    assert _spec(child).parent_execution_id == parent_id
    assert _spec(child).workflow_id == child_wf
    assert child.status.temporal_workflow_id == f"workflow-exec-{child_id}"
    # `stigmer get` shows the tree: the parent's subflows, the child's parent.
    shown = json.loads(_stigmer(stigmer_endpoint, "get", parent_id, "-o", "json"))
    assert shown["children"] == [child_id]
    assert [task["children"] for task in shown["tasks"]] == [[child_id], []]
    assert f"parent     {parent_id}" in _stigmer(stigmer_endpoint, "get", child_id)


async def test_a_fire_and_forget_child_outlives_its_parent(
    channel: grpc.aio.Channel, namespace: str
) -> None:
    # The child waits for an event the test sends only once the parent has ended.
    await _apply(
        channel,
        namespace,
        "slow",
        [
            {"hold": {"listen": {"to": {"one": {"with": {"type": "com.example.go"}}}}}},
            {"done": {"set": {"finished": True}}},
        ],
    )
    parent_wf = await _apply(
        channel,
        namespace,
        "parent",
        [
            {"startChild": _call(namespace, "slow", {}, **{"await": False})},
            {"after": {"set": {"parent": "done"}}},
        ],
    )

    parent = await _final(channel, await _run(channel, parent_wf))

    assert parent.status is not None and parent.status.phase == COMPLETED, parent.status
    [child_id] = _children(parent)
    child_at_parent_end = await get_execution(channel, child_id)
    assert child_at_parent_end.status is not None
    assert child_at_parent_end.status.phase == IN_PROGRESS
    await wex_cmd.WorkflowExecutionCommandControllerStub(channel).signal(
        wex.WorkflowExecutionSignalInput(
            execution_id=child_id,
            event=Struct.from_dict(
                {"specversion": "1.0", "source": "e2e", "type": "com.example.go"}
            ),
        )
    )
    child = await _final(channel, child_id)
    assert child.status is not None and child.status.phase == COMPLETED, child.status
    assert _output(child) == {"finished": True}


async def test_cancelling_a_parent_cancels_its_awaited_child(
    channel: grpc.aio.Channel, namespace: str
) -> None:
    await _apply(channel, namespace, "forever", [{"pause": {"wait": {"minutes": 10}}}])
    parent_wf = await _apply(
        channel, namespace, "parent", [{"callChild": _call(namespace, "forever", {})}]
    )
    parent, child = await _cancel_one(channel, parent_wf, cancel_parent=True)

    assert _phase(parent) == CANCELLED and _phase(child) == CANCELLED


async def test_a_document_calling_itself_stops_at_the_depth_limit(
    channel: grpc.aio.Channel, namespace: str
) -> None:
    loop_wf = await _apply(
        channel,
        namespace,
        "loop",
        [{"again": _call(namespace, "loop", {"level": "${ .level + 1 }"})}],
    )

    top = await _final(channel, await _run(channel, loop_wf, {"level": 0}))

    assert top.status is not None and top.status.phase == FAILED, top.status
    error = top.status.error
    assert f"subflow depth limit {DEFAULT_DEPTH} reached" in error, error
    assert "a cycle: the document calls itself" in error, error
    assert f"{namespace}/loop:1.0.0 -> {namespace}/loop:1.0.0" in error, error
    # Every level down to the limit ran, each failing with the deepest one's reason.
    depth, current = 0, top
    while children := _children(current):
        current = await _final(channel, children[0])
        assert current.status is not None and current.status.phase == FAILED
        depth += 1
    assert depth == DEFAULT_DEPTH


async def test_a_child_failure_is_caught_by_the_parents_try(
    channel: grpc.aio.Channel, namespace: str
) -> None:
    await _apply(
        channel,
        namespace,
        "broken",
        [
            {
                "fail": {
                    "raise": {
                        "error": {
                            "type": "https://example.com/errors/broken",
                            "status": 422,
                            "title": "Broken child",
                            "detail": "the child gave up",
                        }
                    }
                }
            }
        ],
    )
    parent_wf = await _apply(
        channel,
        namespace,
        "parent",
        [
            {
                "guarded": {
                    "try": [{"callChild": _call(namespace, "broken", {})}],
                    "catch": {
                        "errors": {"with": {"type": "https://example.com/errors/broken"}},
                        "as": "err",
                        "do": [
                            {
                                "handle": {
                                    "set": {
                                        "caught": "${ $err.title }",
                                        "status": "${ $err.status }",
                                        "detail": "${ $err.detail }",
                                    }
                                }
                            }
                        ],
                    },
                }
            }
        ],
    )

    parent = await _final(channel, await _run(channel, parent_wf))

    assert parent.status is not None and parent.status.phase == COMPLETED, parent.status
    output = _output(parent)
    assert output["caught"] == "Broken child" and output["status"] == 422
    assert (
        "the child gave up" in output["detail"] and f"{namespace}/broken:1.0.0" in output["detail"]
    )
    [child_id] = _children(parent)
    child = await get_execution(channel, child_id)
    assert child.status is not None and child.status.phase == FAILED


async def test_an_unknown_subflow_fails_the_task_with_the_reason(
    channel: grpc.aio.Channel, namespace: str
) -> None:
    parent_wf = await _apply(
        channel, namespace, "parent", [{"callChild": _call(namespace, "missing", {})}]
    )

    parent = await _final(channel, await _run(channel, parent_wf))

    assert parent.status is not None and parent.status.phase == FAILED
    assert f"has document {namespace}/missing:1.0.0" in parent.status.error, parent.status.error


async def test_cancelling_a_subflow_fails_the_parents_task_as_cancelled(
    channel: grpc.aio.Channel, namespace: str
) -> None:
    await _apply(channel, namespace, "forever", [{"pause": {"wait": {"minutes": 10}}}])
    parent_wf = await _apply(
        channel,
        namespace,
        "parent",
        [
            {
                "guarded": {
                    "try": [{"callChild": _call(namespace, "forever", {})}],
                    "catch": {
                        "as": "err",
                        "do": [{"handle": {"set": {"caught": "${ $err.title }"}}}],
                    },
                }
            }
        ],
    )
    parent, child = await _cancel_one(channel, parent_wf, cancel_parent=False)

    assert _phase(child) == CANCELLED and _phase(parent) == COMPLETED
    assert _output(parent) == {"caught": "Subflow cancelled"}
