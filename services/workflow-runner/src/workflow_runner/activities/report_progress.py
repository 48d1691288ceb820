"""The ``ReportTaskProgress`` local activity: forwards engine progress to stigmer-server."""

from __future__ import annotations

import logging
from typing import Any

from temporalio import activity

from workflow_runner.api import NOT_LIVE, StigmerApi
from workflow_runner.client import StigmerRpcError
from workflow_runner.engine import REPORT_PROGRESS_ACTIVITY, ProgressBatch
from workflow_runner.engine.identity import scheduling_execution_id
from workflow_runner.status_mapping import progress_statuses

_log = logging.getLogger(__name__)


class ReportProgressActivity:
    """Sends each progress batch as ``updateStatus`` calls (the server upserts by task_id)."""

    def __init__(self, api: StigmerApi) -> None:
        """Report through ``api``."""
        self._api = api

    @activity.defn(name=REPORT_PROGRESS_ACTIVITY)
    async def report_task_progress(self, encoded: dict[str, Any]) -> None:
        """Upsert the batch's task rows, in parts of bounded size; idempotent, so Temporal may
        retry it freely.

        The rows go to the execution whose interpreter workflow scheduled the activity;
        ``batch.execution_id`` is not trusted (whoever schedules the activity chooses it).
        Rows of an execution that has ended (or was deleted) are dropped: the server refuses
        them (FAILED_PRECONDITION, NOT_FOUND, or PERMISSION_DENIED to a ``runner`` key), and
        retrying cannot change that.

        Args:
            encoded: The :class:`ProgressBatch` the interpreter workflow sent, as JSON values
                (decoded by :meth:`ProgressBatch.from_json`).

        Raises:
            ApplicationError: Non-retryable, when no interpreter workflow scheduled it.
        """
        execution_id = scheduling_execution_id()
        batch = ProgressBatch.from_json(encoded)  # the workflow sends a ProgressBatch
        if not batch.tasks:
            return
        try:
            for status in progress_statuses(batch):
                await self._api.update_status(execution_id, status)
        except StigmerRpcError as err:
            if err.code not in NOT_LIVE:
                raise
            _log.info("progress of execution %s dropped: %s", execution_id, err.details)
