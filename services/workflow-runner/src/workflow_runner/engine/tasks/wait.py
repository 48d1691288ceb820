"""``wait``: a durable Temporal timer; the output is the input."""

from __future__ import annotations

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import wait
from temporalio import workflow

from workflow_runner.engine.context import Outcome, TaskContext, TaskRun

KINDS = (wait.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Sleep for the evaluated duration on the workflow clock (flushing progress first)."""
    delay = await ctx.duration(run.node.spec["wait"], data, ctx.task_arguments(run, data))
    await ctx.progress.flush()
    await workflow.sleep(delay)
    return Outcome(data)
