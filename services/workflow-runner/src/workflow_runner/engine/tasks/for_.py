"""``for``: iterate a collection; each iteration's output is the next one's input."""

from __future__ import annotations

from typing import Any

from stigmer_dsl import expressions
from stigmer_dsl.errors import WorkflowError, describe, make_error

from workflow_runner.engine.executor import END, EXIT, Executor, Outcome, TaskRun


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Run ``do`` once per item while ``while`` holds; ``exit`` stops the loop, ``end`` the run.

    Each iteration has its own progress row ``<task_id>[i]`` of kind ``for.iteration``. The
    collection is evaluated once; a run continued as new inside the loop gets it back with the
    position from ``run.resume``.
    """
    resume = run.resume
    if resume is not None:  # the previous run continued as new between two iterations
        return await _iterate(ex, run, data, resume.items, resume.next_index, resume.current)
    items = ex.field(run.node.spec["for"]["in"], data, ex.task_arguments(run, data))
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
    return await _iterate(ex, run, data, items, 0, data)


async def _iterate(
    ex: Executor, run: TaskRun, data: Any, items: list[Any], start: int, current: Any
) -> Outcome:
    """Iterations ``start``.. of the loop; between two of a top-level ``for`` is a safe point."""
    spec = run.node.spec
    loop = spec["for"]
    each, at = str(loop.get("each", "item")), str(loop.get("at", "index"))
    for index in range(start, len(items)):
        item = items[index]
        if index > start:
            await ex.loop_safe_point(run, index, current, items, data)
        scope = run.scope.child({each: item, at: index}, index)
        if "while" in spec:
            keep_going = ex.field(spec["while"], current, ex.task_arguments(run, data, scope))
            if not expressions.truthy(keep_going):
                break
        iteration_id = f"{run.task_id}[{index}]"
        ex.progress.start(iteration_id, f"{run.node.name}[{index}]", "for.iteration", current)
        try:
            current, directive = await ex.run_list(run.node.do, current, scope)
        except WorkflowError as exc:
            ex.progress.finish(iteration_id, "FAILED", error=describe(exc.error))
            raise
        ex.progress.finish(iteration_id, "COMPLETED", output=current)
        if directive == END:
            return Outcome(current, END)
        if directive == EXIT:
            break
    return Outcome(current)
