"""Drive executions through the stigmer-server gRPC API: apply, create, follow to the end."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import grpc
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_protos.google import protobuf as wkt


def dsl_document(name: str, tasks: Sequence[Mapping[str, Any]], **sections: Any) -> dict[str, Any]:
    """A DSL 1.0.0 document ``name`` in namespace ``e2e`` that does ``tasks``.

    Args:
        name: The document's name.
        tasks: The ``do`` list.
        **sections: Further top-level sections (e.g. ``use``).
    """
    return {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        **sections,
        "do": list(tasks),
    }


def _stub(factory: Any, channel: grpc.aio.Channel) -> Any:
    """A generated (untyped) gRPC stub on ``channel``."""
    return factory(channel)


def org_metadata(name: str) -> ar.ApiResourceMetadata:
    """Metadata of a resource named ``name`` in the ``e2e`` organization."""
    return ar.ApiResourceMetadata(
        name=name, org="e2e", owner_scope=ar.ApiResourceOwnerScope.organization
    )


async def apply_workflow(
    channel: grpc.aio.Channel, name: str, spec: wf.WorkflowSpec
) -> wf.Workflow:
    """Apply the workflow ``name`` with ``spec``; return the stored workflow."""
    stub = _stub(wf_cmd.WorkflowCommandControllerStub, channel)
    workflow: wf.Workflow = await stub.apply(wf.Workflow(metadata=org_metadata(name), spec=spec))
    return workflow


async def create_execution(
    channel: grpc.aio.Channel,
    workflow_id: str,
    name: str,
    data: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    metadata: Sequence[tuple[str, str]] = (),
    plain: Mapping[str, str] | None = None,
) -> wex.WorkflowExecution:
    """Create the execution ``name`` of a workflow with input ``data`` and secret values.

    Args:
        channel: A channel to stigmer-server.
        workflow_id: The workflow to run.
        name: The execution's name.
        data: The execution's input; none when empty.
        secrets: Runtime values, each marked secret.
        metadata: gRPC metadata sent with the call (e.g. a trace context).
        plain: Runtime values that are not secret.
    """
    stub = _stub(wex_cmd.WorkflowExecutionCommandControllerStub, channel)
    created: wex.WorkflowExecution = await stub.create(
        wex.WorkflowExecution(
            metadata=org_metadata(name),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=workflow_id,
                input=wkt.Struct.from_dict(dict(data)) if data else None,
                runtime_env={
                    **{k: ExecutionValue(value=v) for k, v in (plain or {}).items()},
                    **{
                        k: ExecutionValue(value=v, is_secret=True)
                        for k, v in (secrets or {}).items()
                    },
                },
            ),
        ),
        metadata=tuple(metadata),
    )
    return created


async def start_execution(
    channel: grpc.aio.Channel,
    name: str,
    spec: wf.WorkflowSpec,
    data: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
) -> wex.WorkflowExecution:
    """Apply the workflow ``name`` and create its execution ``run-<name>``; return it."""
    workflow = await apply_workflow(channel, name, spec)
    assert workflow.metadata is not None, "apply returned no metadata"
    return await create_execution(channel, workflow.metadata.id, f"run-{name}", data, secrets)


async def follow(
    channel: grpc.aio.Channel, execution_id: str, within: float = 90
) -> list[wex.WorkflowExecution]:
    """Every update ``subscribe`` sends for an execution, to the end of the stream.

    Raises:
        AssertionError: The stream sent nothing or ended before a terminal phase.
        TimeoutError: The stream did not end within ``within`` seconds.
    """
    seen: list[wex.WorkflowExecution] = []
    stream = _stub(wex_qry.WorkflowExecutionQueryControllerStub, channel).subscribe(
        wex.SubscribeWorkflowExecutionRequest(execution_id=execution_id)
    )
    async with asyncio.timeout(within):
        async for update in stream:
            seen.append(update)
    assert seen, "subscribe sent nothing"
    status = seen[-1].status
    assert status is not None and status.phase in TERMINAL_PHASES, (
        "subscribe ended before a terminal phase"
    )
    return seen


async def get_execution(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    """The stored execution ``execution_id``."""
    stub = _stub(wex_qry.WorkflowExecutionQueryControllerStub, channel)
    found: wex.WorkflowExecution = await stub.get(wex.WorkflowExecutionId(value=execution_id))
    return found
