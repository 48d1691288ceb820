"""``call: <name>``: a custom function from ``use.functions``, run as a task with ``with``.

The evaluated ``with`` object is the function task's raw input (so its ``input.schema``
validates the arguments); the function's transformed output is the call's output.
"""

from __future__ import annotations

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import call_function

from workflow_runner.engine.context import END, Outcome, TaskContext, TaskRun

KINDS = (call_function.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Evaluate the arguments and run the function's task definition."""
    arguments = await ctx.value(
        run.node.spec.get("with") or {}, data, ctx.task_arguments(run, data)
    )
    output, directive = await ctx.run_task(run.node.do[0], arguments, run.scope)
    return Outcome(output, END if directive == END else None)
