"""``switch``: the first case whose ``when`` holds (else the default case) picks the directive."""

from __future__ import annotations

from typing import Any

from stigmer_dsl import expressions

from workflow_runner.engine.executor import Executor, Outcome, TaskRun


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Return the input unchanged with the matched case's ``then`` (None when nothing matches)."""
    variables = ex.task_arguments(run, data)
    default: str | None = None
    for item in run.node.spec["switch"]:
        case = next(iter(item.values()))
        if "when" not in case:
            default = case.get("then", "continue")
            continue
        if expressions.truthy(ex.field(case["when"], data, variables)):
            return Outcome(data, case.get("then", "continue"))
    return Outcome(data, default)
