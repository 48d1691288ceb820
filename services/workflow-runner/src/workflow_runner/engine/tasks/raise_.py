"""``raise``: fault with an inline error or one from ``use.errors``."""

from __future__ import annotations

from typing import Any

from stigmer_dsl.errors import WorkflowError

from workflow_runner.engine.executor import Executor, Outcome, TaskRun


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Evaluate the error's expressions and raise it; ``instance`` defaults to the task pointer."""
    definition = run.node.spec["raise"]["error"]
    if isinstance(definition, str):
        definition = ex.definition.use["errors"][definition]
    error = ex.value(dict(definition), data, ex.task_arguments(run, data))
    if not error.get("instance"):
        error["instance"] = run.node.pointer
    raise WorkflowError(error)
