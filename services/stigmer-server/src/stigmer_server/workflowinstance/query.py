"""gRPC ``WorkflowInstanceQueryController``."""

from __future__ import annotations

from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import query_pb2_grpc
from stigmer_protos.ai.stigmer.commons import apiresource as ar

from stigmer_server.workflowinstance.service import InstanceService


class WorkflowInstanceQueryController(query_pb2_grpc.WorkflowInstanceQueryControllerServicer):
    """get / getByWorkflow / getByReference of workflow instances."""

    def __init__(self, service: InstanceService) -> None:
        """Serve ``service``."""
        self._s = service

    async def get(self, request: win.WorkflowInstanceId, context: Any) -> win.WorkflowInstance:
        """Instance by id."""
        return await self._s.get(request.value)

    async def getByWorkflow(
        self, request: win.GetWorkflowInstancesByWorkflowRequest, context: Any
    ) -> win.WorkflowInstanceList:
        """Instances of a workflow, newest first."""
        return await self._s.get_by_workflow(request)

    async def getByReference(
        self, request: ar.ApiResourceReference, context: Any
    ) -> win.WorkflowInstance:
        """Instance by org + slug."""
        return await self._s.get_by_reference(request)
