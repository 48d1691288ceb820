"""What the runner needs from stigmer-server (implemented by :class:`StigmerClient`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import grpc
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win

NOT_LIVE = frozenset(
    {
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.PERMISSION_DENIED,
    }
)
"""Answers to ``updateStatus`` meaning the execution is not one to work on (any more): it
ended, it was deleted, or (PERMISSION_DENIED) the runner's key may not touch it: a ``runner``
key works only on executions in flight (docs/adr/0026-scoped-api-keys.md), and a key of the
wrong scope is named in the error. Retrying cannot change them."""


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

    async def get_value(self, execution_id: str, path: str) -> bytes:
        """Fetch the JSON text of a value the execution holds by reference (``getValue``)."""
        ...

    async def update_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus | bytes
    ) -> None:
        """Merge a status update (a message, or its encoding) into an execution."""
        ...

    async def create_subflow(
        self, request: wex.WorkflowExecutionCreateSubflowInput
    ) -> wex.WorkflowExecution:
        """Create (not start) a running execution's ``run: workflow`` subflow."""
        ...
