"""``set``: the task's output is the evaluated ``set`` value."""

from __future__ import annotations

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import set_

from workflow_runner.engine.context import Outcome, TaskContext, TaskRun

KINDS = (set_.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Evaluate the ``set`` value (object or runtime expression) against the task input."""
    variables = ctx.task_arguments(run, data)
    return Outcome(await ctx.value(run.node.spec["set"], data, variables))
