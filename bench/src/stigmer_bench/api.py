"""Thin client of the Stigmer gRPC API for the benchmark: apply, create, follow, update."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import grpc
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.contract import TERMINAL_PHASES

Phase = wex.ExecutionPhase
ORG = "bench"


def document(name: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a DSL 1.0 document named ``name`` doing ``tasks``."""
    return {
        "document": {"dsl": "1.0.0", "namespace": "bench", "name": name, "version": "1.0.0"},
        "do": tasks,
    }


def _metadata(name: str) -> ar.ApiResourceMetadata:
    return ar.ApiResourceMetadata(
        name=name, org=ORG, owner_scope=ar.ApiResourceOwnerScope.organization
    )


@dataclass(frozen=True)
class Followed:
    """One execution followed to its end.

    Attributes:
        execution_id: Its id.
        phase: The terminal phase seen.
        seconds: From just before ``create`` to the terminal update, client clock.
        error: ``status.error`` when it did not complete.
    """

    execution_id: str
    phase: wex.ExecutionPhase
    seconds: float
    error: str


class StigmerApi:
    """Stubs on one channel to stigmer-server."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        """Wrap ``channel``."""
        self.channel = channel
        self.workflows = wf_cmd.WorkflowCommandControllerStub(channel)  # type: ignore[no-untyped-call]
        self.commands = wex_cmd.WorkflowExecutionCommandControllerStub(channel)  # type: ignore[no-untyped-call]
        self.queries = wex_qry.WorkflowExecutionQueryControllerStub(channel)  # type: ignore[no-untyped-call]

    async def apply(self, doc: dict[str, Any]) -> str:
        """Apply a DSL document as a Workflow (unique name) and return the workflow id."""
        name = f"{doc['document']['name']}-{uuid.uuid4().hex[:8]}"
        doc = {**doc, "document": {**doc["document"], "name": name}}
        workflow: wf.Workflow = await self.workflows.apply(
            wf.Workflow(metadata=_metadata(name), spec=dsl_to_workflow_spec(yaml.safe_dump(doc)))
        )
        assert workflow.metadata is not None
        return str(workflow.metadata.id)

    async def create(self, workflow_id: str) -> str:
        """Create an execution of ``workflow_id`` and return its id."""
        created: wex.WorkflowExecution = await self.commands.create(
            wex.WorkflowExecution(
                metadata=_metadata(f"run-{uuid.uuid4().hex[:10]}"),
                spec=wex.WorkflowExecutionSpec(workflow_id=workflow_id),
            )
        )
        assert created.metadata is not None
        return str(created.metadata.id)

    async def follow(self, execution_id: str, limit_s: float = 300.0) -> wex.WorkflowExecution:
        """Subscribe to ``execution_id`` and return its terminal state.

        Raises:
            RuntimeError: The stream ended before a terminal phase.
            TimeoutError: Not terminal within ``limit_s`` seconds.
        """
        stream = self.queries.subscribe(
            wex.SubscribeWorkflowExecutionRequest(execution_id=execution_id)
        )
        last: wex.WorkflowExecution | None = None
        async with asyncio.timeout(limit_s):
            async for update in stream:
                last = update
                if update.status is not None and update.status.phase in TERMINAL_PHASES:
                    stream.cancel()
                    final: wex.WorkflowExecution = update
                    return final
        raise RuntimeError(f"subscribe of {execution_id} ended at {last and last.status}")

    async def run(self, workflow_id: str, limit_s: float = 300.0) -> Followed:
        """Create an execution, follow it to its end and time both together."""
        start = time.perf_counter()
        execution_id = await self.create(workflow_id)
        final = await self.follow(execution_id, limit_s)
        seconds = time.perf_counter() - start
        status = final.status or wex.WorkflowExecutionStatus()
        return Followed(execution_id, status.phase, seconds, status.error)

    async def wait_phase(
        self, execution_id: str, phases: frozenset[wex.ExecutionPhase], limit_s: float = 60.0
    ) -> wex.WorkflowExecution:
        """Poll ``get`` until the execution is in one of ``phases``.

        Raises:
            TimeoutError: Not within ``limit_s`` seconds.
        """
        async with asyncio.timeout(limit_s):
            while True:
                execution: wex.WorkflowExecution = await self.queries.get(
                    wex.WorkflowExecutionId(value=execution_id)
                )
                if execution.status is not None and execution.status.phase in phases:
                    return execution
                await asyncio.sleep(0.05)

    async def cancel(self, execution_id: str) -> None:
        """Cancel an execution; an already-terminal one is left as it is."""
        try:
            await self.commands.cancel(
                wex.WorkflowExecutionCancelInput(execution_id=execution_id, reason="bench done")
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise


def progress_update(execution_id: str, task_id: str) -> wex.WorkflowExecutionUpdateStatusInput:
    """An ``updateStatus`` request that merges one IN_PROGRESS task row."""
    return wex.WorkflowExecutionUpdateStatusInput(
        execution_id=execution_id,
        status=wex.WorkflowExecutionStatus(
            phase=Phase.EXECUTION_IN_PROGRESS,
            tasks=[
                wex.WorkflowTask(
                    task_id=task_id,
                    task_name="bench",
                    status=wex.WorkflowTaskStatus.WORKFLOW_TASK_IN_PROGRESS,
                )
            ],
        ),
    )
