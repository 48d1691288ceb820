"""The ``ReportTaskProgress`` local activity: forwards engine progress to stigmer-server."""

from __future__ import annotations

from temporalio import activity

from workflow_runner.api import StigmerApi
from workflow_runner.engine import REPORT_PROGRESS_ACTIVITY, ProgressBatch
from workflow_runner.status_mapping import progress_statuses


class ReportProgressActivity:
    """Sends each progress batch as ``updateStatus`` calls (the server upserts by task_id)."""

    def __init__(self, api: StigmerApi) -> None:
        """Report through ``api``."""
        self._api = api

    @activity.defn(name=REPORT_PROGRESS_ACTIVITY)
    async def report_task_progress(self, batch: ProgressBatch) -> None:
        """Upsert the batch's task rows, in parts of bounded size; idempotent, so Temporal may
        retry it freely."""
        for status in progress_statuses(batch):
            await self._api.update_status(batch.execution_id, status)
