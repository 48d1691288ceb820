"""What the runner needs from stigmer-server (implemented by :class:`StigmerClient`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win


class StigmerApi(Protocol):
    """The stigmer-server calls the runner makes."""

    async def get_workflow(self, workflow_id: str) -> wf.Workflow:
        """Fetch a Workflow by id."""
        ...

    async def get_workflow_encoded(self, workflow_id: str) -> bytes:
        """Fetch a Workflow by id, as the server encoded it (not decoded)."""
        ...

    async def get_workflow_instance(self, instance_id: str) -> win.WorkflowInstance:
        """Fetch a WorkflowInstance by id."""
        ...

    async def get_execution(self, execution_id: str) -> wex.WorkflowExecution:
        """Fetch a WorkflowExecution by id."""
        ...

    async def get_secrets(self, execution_id: str, runner_workflow_id: str) -> Mapping[str, str]:
        """Fetch a running execution's secret values, as its interpreter workflow."""
        ...

    async def update_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus | bytes
    ) -> None:
        """Merge a status update (a message, or its encoding) into an execution."""
        ...
