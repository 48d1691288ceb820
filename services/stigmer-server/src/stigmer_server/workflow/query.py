"""gRPC ``WorkflowQueryController``."""

from __future__ import annotations

from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc
from stigmer_protos.ai.stigmer.commons import apiresource as ar

from stigmer_server.encoded import Encoded
from stigmer_server.secrets.redaction import redact_workflow
from stigmer_server.workflow.service import WorkflowService


class WorkflowQueryController(query_pb2_grpc.WorkflowQueryControllerServicer):
    """get / getByReference of workflows, secrets redacted."""

    def __init__(self, service: WorkflowService) -> None:
        """Serve ``service``."""
        self._s = service

    async def get(self, request: wf.WorkflowId, context: Any) -> Encoded:
        """Workflow by id (as stored, secrets redacted)."""
        return Encoded(await self._s.get_published(request.value))

    async def getByReference(self, request: ar.ApiResourceReference, context: Any) -> wf.Workflow:
        """Workflow by org + slug."""
        return redact_workflow(await self._s.get_by_reference(request))
