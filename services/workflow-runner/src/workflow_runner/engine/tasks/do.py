"""``do``: run sub-tasks in sequence; ``exit`` inside ends only this list."""

from __future__ import annotations

from typing import Any

from workflow_runner.engine.executor import END, Executor, Outcome, TaskRun


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Run the ``do`` list with the transformed input; propagate ``end``."""
    output, directive = await ex.run_list(run.node.do, data, run.scope)
    return Outcome(output, END if directive == END else None)
