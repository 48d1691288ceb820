"""``call: activity`` (Zigflow's extension): run any Temporal activity by name.

``with: {name, taskQueue?, arguments?, startToCloseTimeout?, heartbeatTimeout?,
maximumAttempts?}``; ``arguments`` is a list of positional arguments (an object or scalar is
passed as the single argument).

Unlike the engine's own activities, a foreign activity is run once by default: we cannot know
whether it heartbeats or is safe to repeat. A document that knows it does sets
``heartbeatTimeout`` (a crashed worker is then noticed within it) and ``maximumAttempts``
(Temporal retries lost attempts and the activity's retryable errors).

Only activities the runner operator allows run (see
:mod:`~stigmer_dsl.activity_policy`); a call without ``taskQueue`` runs on the queue
the allow-list names for it. Literal names and queues are checked at load; names or queues
given as expressions are checked here, before anything is scheduled.
"""

from __future__ import annotations

from stigmer_dsl.activity_policy import ActivityNotAllowedError, task_queue_for
from stigmer_dsl.errors import make_error
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import call_activity
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflow_runner.engine.context import Outcome, TaskContext, TaskRun
from workflow_runner.engine.tasks._activity import DEFAULT_TIMEOUT, failure

KINDS = (call_activity.KIND.id,)
"""The library's kinds this module runs."""


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Execute the activity (once unless ``maximumAttempts`` says otherwise); output its result."""
    variables = ctx.task_arguments(run, data)
    args = await ctx.value(run.node.spec["with"], data, variables)
    name = str(args["name"])
    queue = args.get("taskQueue")
    try:
        task_queue = task_queue_for(ctx.allowed_activities, name, str(queue) if queue else None)
    except ActivityNotAllowedError as exc:
        raise make_error("configuration", str(exc), title="Activity not allowed") from None
    arguments = args.get("arguments", [])
    if not isinstance(arguments, list):
        arguments = [arguments]
    timeout = DEFAULT_TIMEOUT
    if args.get("startToCloseTimeout") is not None:
        timeout = await ctx.duration(args["startToCloseTimeout"], data, variables)
    heartbeat = None
    if args.get("heartbeatTimeout") is not None:
        heartbeat = await ctx.duration(args["heartbeatTimeout"], data, variables)
    attempts = int(args.get("maximumAttempts") or 1)
    await ctx.progress.flush()
    try:
        result = await workflow.execute_activity(
            name,
            args=arguments,
            start_to_close_timeout=timeout,
            heartbeat_timeout=heartbeat,
            retry_policy=RetryPolicy(maximum_attempts=attempts),
            task_queue=task_queue,
        )
    except ActivityError as exc:
        raise failure(
            exc, title=f"Activity {name} failed", kinds=("timeout",), default_kind="runtime"
        ) from None
    return Outcome(result)
