"""Local activities of the scheduled-run workflow: create the execution, look at its phase."""

from __future__ import annotations

import contextlib
import logging

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.temporal_names import (
    SCHEDULED_EXECUTION_DONE_ACTIVITY,
    START_SCHEDULED_EXECUTION_ACTIVITY,
    schedule_id,
    workflow_id_of_scheduled_run,
)
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from stigmer_server.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from stigmer_server.workflow.schedule.cadence import has_schedule
from stigmer_server.workflow.service import WorkflowService
from stigmer_server.workflowexecution.request_ids import CreateRequestId
from stigmer_server.workflowexecution.service import ExecutionService
from stigmer_server.workflowexecution.status_merge import is_terminal

_log = logging.getLogger(__name__)

MAX_SLUG_CHARS = 200
"""Of the workflow's slug in a scheduled execution's name (names are at most 253 characters)."""

SCHEDULE_CALLER = "schedule"
"""The caller of the request ids of scheduled creates (API callers are credential digests)."""

SCHEDULE_LABEL = "stigmer.ai/schedule"
"""Label of a scheduled execution: the id of the Temporal Schedule that started it."""

NOT_A_SCHEDULED_RUN = "NotAScheduledRun"
"""``ApplicationError.type`` when a workflow other than a scheduled run calls the activity."""


class ScheduledRunActivities:
    """Creates scheduled executions through :meth:`ExecutionService.create`, like the API."""

    def __init__(self, workflows: WorkflowService, executions: ExecutionService) -> None:
        """Create executions with ``executions`` of the workflows in ``workflows``."""
        self._workflows = workflows
        self._executions = executions

    @activity.defn(name=START_SCHEDULED_EXECUTION_ACTIVITY)
    async def start_scheduled_execution(self) -> str:
        """Create and start the execution of the calling scheduled run; return its id.

        The workflow comes from the run's Temporal workflow id, never from an argument, and the
        run's id is the create's request id, so a retried attempt returns the same execution.
        A workflow that was deleted, or whose document no longer has a schedule, gets no
        execution and its leftover Schedule is deleted.

        Returns:
            The execution id, or "" when there is nothing to run.
        """
        run_id = activity.info().workflow_id or ""
        workflow_id = workflow_id_of_scheduled_run(run_id)
        if workflow_id is None:
            raise ApplicationError(
                f"{run_id!r} is not a scheduled run", type=NOT_A_SCHEDULED_RUN, non_retryable=True
            )
        workflow = await self._workflows.repo.get(workflow_id)
        if workflow is None or not has_schedule(workflow.spec):
            await self._delete_leftover(workflow_id)
            return ""
        assert workflow.metadata is not None
        md = workflow.metadata
        stamp = run_id[len(schedule_id(workflow_id)) + 1 :]
        execution = wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(
                name=f"{md.slug[:MAX_SLUG_CHARS]}-scheduled-{stamp}",
                org=md.org,
                owner_scope=md.owner_scope,
                labels={SCHEDULE_LABEL: schedule_id(workflow_id)},
            ),
            spec=wex.WorkflowExecutionSpec(workflow_id=workflow_id),
        )
        try:
            created = await self._executions.create(
                execution, CreateRequestId(value=run_id, caller=SCHEDULE_CALLER)
            )
        except NotFoundError:
            return ""  # deleted meanwhile
        except (InvalidArgumentError, AlreadyExistsError, FailedPreconditionError) as err:
            raise ApplicationError(str(err), type=type(err).__name__, non_retryable=True) from err
        return created.metadata.id if created.metadata else ""

    async def _delete_leftover(self, workflow_id: str) -> None:
        _log.info("deleting the schedule of unscheduled workflow %s", workflow_id)
        # Best effort: the next run tries again.
        with contextlib.suppress(RPCError):
            await activity.client().get_schedule_handle(schedule_id(workflow_id)).delete()

    @activity.defn(name=SCHEDULED_EXECUTION_DONE_ACTIVITY)
    async def scheduled_execution_done(self, execution_id: str) -> bool:
        """Whether the execution is terminal (or gone)."""
        execution = await self._executions.repo.get(execution_id)
        if execution is None:
            return True
        return is_terminal((execution.status or wex.WorkflowExecutionStatus()).phase)
