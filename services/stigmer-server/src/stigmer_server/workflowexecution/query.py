"""gRPC ``WorkflowExecutionQueryController``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc
from stigmer_telemetry import execution_metrics

from stigmer_server.access.gate import presented_key
from stigmer_server.encoded import Encoded
from stigmer_server.secrets.redaction import redact_execution
from stigmer_server.workflowexecution.request_ids import caller_digest
from stigmer_server.workflowexecution.service import ExecutionService
from stigmer_server.workflowexecution.subscription import Subscriptions


def _redacted(page: wex.WorkflowExecutionList) -> wex.WorkflowExecutionList:
    page.entries = [redact_execution(e) for e in page.entries]
    return page


class WorkflowExecutionQueryController(query_pb2_grpc.WorkflowExecutionQueryControllerServicer):
    """get / list / listByWorkflow / subscribe (secrets redacted), getValue, and the runner's
    getSecrets."""

    def __init__(self, service: ExecutionService, subscriptions: Subscriptions) -> None:
        """Serve ``service`` and ``subscriptions``."""
        self._s = service
        self._subs = subscriptions

    async def get(self, request: wex.WorkflowExecutionId, context: Any) -> wex.WorkflowExecution:
        """Execution by id."""
        return redact_execution(await self._s.get(request.value))

    async def list(
        self, request: wex.ListWorkflowExecutionsRequest, context: Any
    ) -> wex.WorkflowExecutionList:
        """Executions, newest first, filtered by phase and tags."""
        return _redacted(await self._s.list(request))

    async def listByWorkflow(
        self, request: wex.ListWorkflowExecutionsByWorkflowRequest, context: Any
    ) -> wex.WorkflowExecutionList:
        """Executions of a workflow, newest first."""
        return _redacted(await self._s.list_by_workflow(request))

    async def subscribe(
        self, request: wex.SubscribeWorkflowExecutionRequest, context: Any
    ) -> AsyncIterator[Encoded]:
        """Snapshot, then every later state until terminal (as stored, secrets redacted)."""
        metrics = execution_metrics()
        metrics.stream_opened()
        try:
            client = caller_digest(presented_key(context.invocation_metadata()))
            async for state in self._subs.follow(request.execution_id, client):
                yield Encoded(state)
        finally:
            metrics.stream_closed()

    async def getSecrets(
        self, request: wex.GetWorkflowExecutionSecretsRequest, context: Any
    ) -> wex.WorkflowExecutionSecrets:
        """The execution's secret values, for its own interpreter workflow while it runs."""
        values = await self._s.secrets(request.execution_id, request.runner_workflow_id)
        return wex.WorkflowExecutionSecrets(values=values)

    async def getValue(
        self, request: wex.GetWorkflowExecutionValueRequest, context: Any
    ) -> AsyncIterator[wex.WorkflowExecutionValueChunk]:
        """A value the execution's record holds by reference, in parts (ADR 0033)."""
        async for chunk in self._s.value_chunks(request.execution_id, request.path):
            yield chunk
