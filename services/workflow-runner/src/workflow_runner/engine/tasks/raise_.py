"""``raise``: fault with an inline error or one from ``use.errors``."""

from __future__ import annotations

from stigmer_dsl.errors import WorkflowError
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import raise_

from workflow_runner.engine.context import Outcome, TaskContext, TaskRun

KINDS = (raise_.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Evaluate the error's expressions and raise it; ``instance`` defaults to the task pointer."""
    definition = run.node.spec["raise"]["error"]
    if isinstance(definition, str):
        definition = ctx.use["errors"][definition]
    error = await ctx.value(dict(definition), data, ctx.task_arguments(run, data))
    if not error.get("instance"):
        error["instance"] = run.node.pointer
    raise WorkflowError(error)
