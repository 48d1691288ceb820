"""Activity interfaces of the orchestration: the runner's stub and the local status writer."""

from __future__ import annotations

import logging
from typing import Protocol

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.temporal_names import EXECUTE_WORKFLOW_ACTIVITY, UPDATE_STATUS_ACTIVITY
from temporalio import activity
from temporalio.common import RawValue

from stigmer_server.errors import FailedPreconditionError, NotFoundError
from stigmer_server.offload import run_sized
from stigmer_server.workflowexecution.temporal.final_status import split_final_status

_log = logging.getLogger(__name__)


class StatusWriter(Protocol):
    """The service-layer entry point shared with the ``updateStatus`` RPC (one merge rule)."""

    async def update_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus
    ) -> wex.WorkflowExecution:
        """Merge ``status`` into the stored execution, persist it and publish it."""
        ...

    async def record_final_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus, output: bytes | None
    ) -> wex.WorkflowExecution:
        """Merge the final ``status``, a too-large ``output`` (JSON text) stored by reference."""
        ...


@activity.defn(name=EXECUTE_WORKFLOW_ACTIVITY)
async def execute_workflow(execution: wex.WorkflowExecution) -> wex.WorkflowExecutionStatus:
    """Typed stub of the runner's activity, for type checking and tests; never registered here.

    workflow-runner implements it on the runner queue (the polyglot rule: each queue is polled
    by the one service that owns it).
    """
    raise NotImplementedError("ExecuteWorkflow is implemented by workflow-runner")


class UpdateStatusActivity:
    """Implements the local activity ``UpdateWorkflowExecutionStatus``."""

    def __init__(self, writer: StatusWriter) -> None:
        """Bind the activity to the service that stores statuses."""
        self._writer = writer

    @activity.defn(name=UPDATE_STATUS_ACTIVITY)
    async def update_workflow_execution_status(self, execution_id: str, status: RawValue) -> None:
        """Merge ``status`` into the execution with the same rules as the ``updateStatus`` RPC.

        ``status`` is a ``WorkflowExecutionStatus`` payload the workflow passed on undecoded
        (ADR 0033): it is decoded here, off the event loop when large, and an output too
        large for the record is stored by reference.

        An execution that is already terminal keeps its state: the write is then a no-op,
        not an error worth retrying (e.g. the runner reported COMPLETED before a cancel).
        """
        data = status.payload.data
        decoded, output = await run_sized(len(data), split_final_status, data)
        try:
            await self._writer.record_final_status(execution_id, decoded, output)
        except FailedPreconditionError as err:
            _log.info("execution %s already terminal, status not changed: %s", execution_id, err)
        except NotFoundError as err:
            _log.warning("execution %s no longer exists: %s", execution_id, err)
