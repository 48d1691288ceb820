"""The workflow a Schedule starts: one WorkflowExecution per scheduled run, awaited to its end.

Waiting for the execution makes the Schedule's overlap policy count real executions (a
``cron`` schedule with ``skip`` starts no run while the previous execution is in flight). The
execution itself runs as any other: created and started by the server's own create path.
"""

from __future__ import annotations

from datetime import timedelta

from stigmer_protos.temporal_names import (
    SCHEDULED_EXECUTION_DONE_ACTIVITY,
    SCHEDULED_RUN_WORKFLOW,
    START_SCHEDULED_EXECUTION_ACTIVITY,
)
from temporalio import workflow
from temporalio.common import RetryPolicy

START_BUDGET = timedelta(minutes=5)
"""How long creating the execution is retried (e.g. through a Redis outage)."""

LOCAL_ATTEMPT_TIMEOUT = timedelta(seconds=30)
LOCAL_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)
)

FIRST_POLL = timedelta(seconds=1)
MAX_POLL = timedelta(seconds=30)
"""Delays between two looks at the execution's phase (doubling from the first to the last)."""


@workflow.defn(name=SCHEDULED_RUN_WORKFLOW)
class ScheduledRunWorkflow:
    """Creates the execution of one scheduled run and waits until it is terminal.

    It takes no argument: the workflow to run is named by its Temporal workflow id, which the
    Schedule derives from the workflow's id (``stigmer_protos.temporal_names``).
    """

    @workflow.run
    async def run(self) -> str:
        """Return the id of the execution created ("" when the workflow is no longer scheduled)."""
        execution_id: str = await workflow.execute_local_activity(
            START_SCHEDULED_EXECUTION_ACTIVITY,
            result_type=str,
            start_to_close_timeout=LOCAL_ATTEMPT_TIMEOUT,
            schedule_to_close_timeout=START_BUDGET,
            retry_policy=LOCAL_RETRY,
        )
        delay = FIRST_POLL
        while execution_id:
            done: bool = await workflow.execute_local_activity(
                SCHEDULED_EXECUTION_DONE_ACTIVITY,
                execution_id,
                result_type=bool,
                start_to_close_timeout=LOCAL_ATTEMPT_TIMEOUT,
                retry_policy=LOCAL_RETRY,
            )
            if done:
                break
            await workflow.sleep(delay)
            delay = min(delay * 2, MAX_POLL)
        return execution_id
