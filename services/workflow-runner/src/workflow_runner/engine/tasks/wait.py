"""``wait``: a durable Temporal timer; the output is the input."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from workflow_runner.engine.executor import Executor, Outcome, TaskRun


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Sleep for the evaluated duration on the workflow clock (flushing progress first)."""
    delay = ex.duration(run.node.spec["wait"], data, ex.task_arguments(run, data))
    await ex.progress.flush()
    await workflow.sleep(delay)
    return Outcome(data)
