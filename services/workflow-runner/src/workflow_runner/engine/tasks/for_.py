"""``for``: iterate a collection; each iteration's output is the next one's input."""

from __future__ import annotations

from stigmer_dsl import expressions
from stigmer_dsl.errors import WorkflowError, describe, make_error
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import for_

from workflow_runner.engine.context import END, EXIT, Outcome, TaskContext, TaskRun

KINDS = (for_.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Run ``do`` once per item while ``while`` holds; ``exit`` stops the loop, ``end`` the run.

    Each iteration has its own progress row ``<task_id>[i]`` of kind ``for.iteration``. The
    collection is evaluated once; a run continued as new inside the loop gets it back with the
    position from ``run.resume``.
    """
    resume = run.resume
    if resume is not None:  # the previous run continued as new between two iterations
        return await _iterate(ctx, run, data, resume.items, resume.next_index, resume.current)
    items = await ctx.field(run.node.spec["for"]["in"], data, ctx.task_arguments(run, data))
    if items is None:
        items = []
    elif isinstance(items, dict):
        items = list(items.values())
    elif not isinstance(items, list):
        raise make_error(
            "expression",
            f"for.in must produce an array, got {type(items).__name__}",
            title="Invalid for collection",
        )
    return await _iterate(ctx, run, data, items, 0, data)


async def _iterate(
    ctx: TaskContext, run: TaskRun, data: Json, items: list[Json], start: int, current: Json
) -> Outcome:
    """Iterations ``start``.. of the loop; between two of a top-level ``for`` is a safe point."""
    spec = run.node.spec
    loop = spec["for"]
    each, at = str(loop.get("each", "item")), str(loop.get("at", "index"))
    for index in range(start, len(items)):
        item = items[index]
        if index > start:
            await ctx.loop_safe_point(run, index, current, items, data)
        scope = run.scope.child({each: item, at: index}, index)
        if "while" in spec:
            keep_going = await ctx.field(
                spec["while"], current, ctx.task_arguments(run, data, scope)
            )
            if not expressions.truthy(keep_going):
                break
        iteration_id = f"{run.task_id}[{index}]"
        ctx.progress.start(iteration_id, f"{run.node.name}[{index}]", for_.ITERATION, current)
        try:
            current, directive = await ctx.run_list(run.node.do, current, scope)
        except WorkflowError as exc:
            ctx.progress.finish(iteration_id, "FAILED", error=describe(exc.error))
            raise
        ctx.progress.finish(iteration_id, "COMPLETED", output=current)
        if directive == END:
            return Outcome(current, END)
        if directive == EXIT:
            break
    return Outcome(current)
