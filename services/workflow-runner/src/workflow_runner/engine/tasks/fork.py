"""``fork``: run branches concurrently; all (array of outputs) or the first to finish (compete)."""

from __future__ import annotations

import asyncio

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import fork

from workflow_runner.engine.context import END, Outcome, TaskContext, TaskRun

KINDS = (fork.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Start every branch with the fork's input; cancel the others on failure or a win."""
    branches = run.node.branches
    tasks = [asyncio.create_task(ctx.run_task(branch, data, run.scope)) for branch in branches]
    compete = bool(run.node.spec["fork"].get("compete", False))
    try:
        if not compete:
            results = await asyncio.gather(*tasks)
            ended = any(directive == END for _, directive in results)
            return Outcome([output for output, _ in results], END if ended else None)
        pending = set(tasks)
        first_error: BaseException | None = None
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            # Declaration order breaks ties between branches finishing in the same step.
            for task in sorted(done, key=tasks.index):
                error = task.exception()
                if error is None:
                    output, directive = task.result()
                    return Outcome(output, END if directive == END else None)
                first_error = first_error or error
        assert first_error is not None
        raise first_error
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
