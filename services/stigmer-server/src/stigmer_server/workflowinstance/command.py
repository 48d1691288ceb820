"""gRPC ``WorkflowInstanceCommandController``."""

from __future__ import annotations

from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import command_pb2_grpc

from stigmer_server.workflowinstance.service import InstanceService


class WorkflowInstanceCommandController(command_pb2_grpc.WorkflowInstanceCommandControllerServicer):
    """apply / create / update / delete of workflow instances."""

    def __init__(self, service: InstanceService) -> None:
        """Serve ``service``."""
        self._s = service

    async def apply(self, request: win.WorkflowInstance, context: Any) -> win.WorkflowInstance:
        """Create or update by slug."""
        return await self._s.apply(request)

    async def create(self, request: win.WorkflowInstance, context: Any) -> win.WorkflowInstance:
        """Create an instance."""
        return await self._s.create(request)

    async def update(self, request: win.WorkflowInstance, context: Any) -> win.WorkflowInstance:
        """Update spec/metadata."""
        return await self._s.update(request)

    async def delete(self, request: win.WorkflowInstanceId, context: Any) -> win.WorkflowInstance:
        """Delete and return the instance."""
        return await self._s.delete(request.value)
