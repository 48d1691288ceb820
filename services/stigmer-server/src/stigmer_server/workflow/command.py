"""gRPC ``WorkflowCommandController``."""

from __future__ import annotations

from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc

from stigmer_server.secrets.redaction import redact_workflow
from stigmer_server.workflow.service import WorkflowService


class WorkflowCommandController(command_pb2_grpc.WorkflowCommandControllerServicer):
    """apply / create / update / delete of workflows; responses show secrets redacted."""

    def __init__(self, service: WorkflowService) -> None:
        """Serve ``service``."""
        self._s = service

    async def apply(self, request: wf.Workflow, context: Any) -> wf.Workflow:
        """Create or update by slug."""
        return redact_workflow(await self._s.apply(request))

    async def create(self, request: wf.Workflow, context: Any) -> wf.Workflow:
        """Create a workflow (and its default instance)."""
        return redact_workflow(await self._s.create(request))

    async def update(self, request: wf.Workflow, context: Any) -> wf.Workflow:
        """Update spec/metadata."""
        return redact_workflow(await self._s.update(request))

    async def delete(self, request: wf.WorkflowId, context: Any) -> wf.Workflow:
        """Delete and return the workflow."""
        return redact_workflow(await self._s.delete(request.value))
