"""gRPC ``WorkflowExecutionCommandController``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_telemetry import execution_metrics, phase_label

from stigmer_server.access.gate import presented_key
from stigmer_server.encoded import Encoded
from stigmer_server.secrets.redaction import redact_execution
from stigmer_server.workflowexecution.request_ids import (
    REQUEST_ID_METADATA,
    CreateRequestId,
    caller_digest,
)
from stigmer_server.workflowexecution.service import ExecutionService


class WorkflowExecutionCommandController(
    command_pb2_grpc.WorkflowExecutionCommandControllerServicer
):
    """create / update / updateStatus / delete / cancel / signal / pause / resume; secrets
    redacted."""

    def __init__(self, service: ExecutionService) -> None:
        """Serve ``service``."""
        self._s = service

    async def create(self, request: wex.WorkflowExecution, context: Any) -> wex.WorkflowExecution:
        """Create (PENDING) and start an execution; ``x-request-id`` makes a retry safe."""
        metadata = tuple(context.invocation_metadata() or ())
        request_id = CreateRequestId(
            value=next((str(v) for k, v in metadata if k == REQUEST_ID_METADATA), ""),
            caller=caller_digest(presented_key(metadata)),
        )
        return redact_execution(await self._s.create(request, request_id))

    async def update(self, request: wex.WorkflowExecution, context: Any) -> wex.WorkflowExecution:
        """Update spec/metadata."""
        return redact_execution(await self._s.update(request))

    async def updateStatus(
        self, request: wex.WorkflowExecutionUpdateStatusInput, context: Any
    ) -> Encoded:
        """Merge a status update while the execution runs (a terminal one no longer changes).

        Answers the execution as written (secrets redacted), without encoding it again.
        """
        updated = await self._s.update_status_published(
            request.execution_id, request.status, live_only=True
        )
        phase = request.status.phase.name if request.status else ""
        execution_metrics().status_update(phase_label(phase) if phase else "unchanged", "rpc")
        return Encoded(updated)

    async def delete(self, request: ar.ApiResourceId, context: Any) -> wex.WorkflowExecution:
        """Delete and return the execution."""
        return redact_execution(await self._s.delete(request.value))

    async def cancel(
        self, request: wex.WorkflowExecutionCancelInput, context: Any
    ) -> wex.WorkflowExecution:
        """Request cancellation through the orchestrator."""
        return redact_execution(await self._s.cancel(request.execution_id, request.reason))

    async def terminate(
        self, request: wex.WorkflowExecutionCancelInput, context: Any
    ) -> wex.WorkflowExecution:
        """End an execution at once, without cleanup."""
        return redact_execution(await self._s.terminate(request.execution_id, request.reason))

    async def createSubflow(
        self, request: wex.WorkflowExecutionCreateSubflowInput, context: Any
    ) -> wex.WorkflowExecution:
        """Create (not start) the execution of a running parent's ``run: workflow`` subflow."""
        return redact_execution(await self._s.create_subflow(request))

    async def publish(
        self, request: wex.WorkflowExecutionPublishInput, context: Any
    ) -> wex.WorkflowExecutionPublishResult:
        """Store CloudEvents for the ``listen`` tasks and ``schedule.on`` workflows they match."""
        accepted, duplicates = await self._s.publish([e.to_dict() for e in request.events])
        return wex.WorkflowExecutionPublishResult(accepted=accepted, duplicates=duplicates)

    async def rerun(
        self, request: wex.WorkflowExecutionRerunInput, context: Any
    ) -> wex.WorkflowExecution:
        """Re-run an ended execution from one of its top-level tasks."""
        return redact_execution(await self._s.rerun(request))

    async def pause(
        self, request: wex.WorkflowExecutionPauseInput, context: Any
    ) -> wex.WorkflowExecution:
        """Pause a running execution between two tasks."""
        execution = await self._s.set_paused(request.execution_id, True, request.reason)
        return redact_execution(execution)

    async def resume(
        self, request: wex.WorkflowExecutionPauseInput, context: Any
    ) -> wex.WorkflowExecution:
        """Resume a paused execution."""
        execution = await self._s.set_paused(request.execution_id, False, request.reason)
        return redact_execution(execution)

    async def uploadInput(
        self, request_iterator: AsyncIterator[wex.WorkflowExecutionValueChunk], context: Any
    ) -> wex.WorkflowExecutionInputUpload:
        """Keep an input too large for ``create`` for the create that names it (ADR 0033)."""
        return await self._s.upload_input(request_iterator)

    async def signal(
        self, request: wex.WorkflowExecutionSignalInput, context: Any
    ) -> wex.WorkflowExecution:
        """Deliver an event to the execution's ``listen`` tasks."""
        event = request.event.to_dict() if request.event is not None else {}
        return redact_execution(await self._s.signal(request.execution_id, event))
