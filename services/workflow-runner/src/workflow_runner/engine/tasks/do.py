"""``do``: run sub-tasks in sequence; ``exit`` inside ends only this list."""

from __future__ import annotations

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import do

from workflow_runner.engine.context import END, Outcome, TaskContext, TaskRun

KINDS = (do.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Run the ``do`` list with the transformed input; propagate ``end``."""
    output, directive = await ctx.run_list(run.node.do, data, run.scope)
    return Outcome(output, END if directive == END else None)
