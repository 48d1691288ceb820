"""``call: <name>``: a custom function from ``use.functions``, run as a task with ``with``.

The evaluated ``with`` object is the function task's raw input (so its ``input.schema``
validates the arguments); the function's transformed output is the call's output.
"""

from __future__ import annotations

from typing import Any

from workflow_runner.engine.executor import END, Executor, Outcome, TaskRun


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Evaluate the arguments and run the function's task definition."""
    arguments = ex.value(run.node.spec.get("with") or {}, data, ex.task_arguments(run, data))
    output, directive = await ex.run_task(run.node.do[0], arguments, run.scope)
    return Outcome(output, END if directive == END else None)
