"""gRPC ``WorkflowExecutionQueryController``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc
from stigmer_telemetry import execution_metrics

from stigmer_server.workflowexecution.service import ExecutionService
from stigmer_server.workflowexecution.subscription import Subscriptions


class WorkflowExecutionQueryController(query_pb2_grpc.WorkflowExecutionQueryControllerServicer):
    """get / list / listByWorkflow / subscribe of workflow executions."""

    def __init__(self, service: ExecutionService, subscriptions: Subscriptions) -> None:
        """Serve ``service`` and ``subscriptions``."""
        self._s = service
        self._subs = subscriptions

    async def get(self, request: wex.WorkflowExecutionId, context: Any) -> wex.WorkflowExecution:
        """Execution by id."""
        return await self._s.get(request.value)

    async def list(
        self, request: wex.ListWorkflowExecutionsRequest, context: Any
    ) -> wex.WorkflowExecutionList:
        """Executions, newest first, filtered by phase and tags."""
        return await self._s.list(request)

    async def listByWorkflow(
        self, request: wex.ListWorkflowExecutionsByWorkflowRequest, context: Any
    ) -> wex.WorkflowExecutionList:
        """Executions of a workflow, newest first."""
        return await self._s.list_by_workflow(request)

    async def subscribe(
        self, request: wex.SubscribeWorkflowExecutionRequest, context: Any
    ) -> AsyncIterator[wex.WorkflowExecution]:
        """Snapshot, then every later state until terminal."""
        metrics = execution_metrics()
        metrics.stream_opened()
        try:
            async for execution in self._subs.follow(request.execution_id):
                yield execution
        finally:
            metrics.stream_closed()
