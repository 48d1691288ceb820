"""``switch``: the first case whose ``when`` holds (else the default case) picks the directive."""

from __future__ import annotations

from stigmer_dsl import expressions
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import switch

from workflow_runner.engine.context import Outcome, TaskContext, TaskRun

KINDS = (switch.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Return the input unchanged with the matched case's ``then`` (None when nothing matches)."""
    variables = ctx.task_arguments(run, data)
    default: str | None = None
    for item in run.node.spec["switch"]:
        case = next(iter(item.values()))
        if "when" not in case:
            default = case.get("then", "continue")
            continue
        if expressions.truthy(await ctx.field(case["when"], data, variables)):
            return Outcome(data, case.get("then", "continue"))
    return Outcome(data, default)
