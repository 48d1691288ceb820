"""``set``: the task's output is the evaluated ``set`` value."""

from __future__ import annotations

from typing import Any

from workflow_runner.engine.executor import Executor, Outcome, TaskRun


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Evaluate the ``set`` value (object or runtime expression) against the task input."""
    variables = ex.task_arguments(run, data)
    return Outcome(ex.value(run.node.spec["set"], data, variables))
