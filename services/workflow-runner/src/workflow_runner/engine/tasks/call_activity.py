"""``call: activity`` (Zigflow's extension): run any Temporal activity by name.

``with: {name, taskQueue?, arguments?, startToCloseTimeout?}``; ``arguments`` is a list of
positional arguments (an object or scalar is passed as the single argument).
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflow_runner.engine.executor import Executor, Outcome, TaskRun
from workflow_runner.engine.tasks._activity import DEFAULT_TIMEOUT, failure


async def run(ex: Executor, run: TaskRun, data: Any) -> Outcome:
    """Execute the activity once (DSL retry policies own retrying); output its result."""
    variables = ex.task_arguments(run, data)
    args = ex.value(run.node.spec["with"], data, variables)
    name = str(args["name"])
    arguments = args.get("arguments", [])
    if not isinstance(arguments, list):
        arguments = [arguments]
    timeout = DEFAULT_TIMEOUT
    if args.get("startToCloseTimeout") is not None:
        timeout = ex.duration(args["startToCloseTimeout"], data, variables)
    queue = args.get("taskQueue")
    await ex.progress.flush()
    try:
        result = await workflow.execute_activity(
            name,
            args=arguments,
            start_to_close_timeout=timeout,
            retry_policy=RetryPolicy(maximum_attempts=1),
            task_queue=str(queue) if queue else None,
        )
    except ActivityError as exc:
        raise failure(
            exc, title=f"Activity {name} failed", kinds=("timeout",), default_kind="runtime"
        ) from None
    return Outcome(result)
