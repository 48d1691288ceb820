"""``try``/``catch``: error filters, ``when``/``exceptWhen``, retry policies and ``catch.do``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from stigmer_dsl import expressions
from stigmer_dsl.errors import WorkflowError, short_type
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import try_
from temporalio import workflow

from workflow_runner.engine.context import END, Outcome, TaskContext, TaskRun

KINDS = (try_.KIND.id,)
"""The library's kinds this module runs."""

_STANDARD_HOST = "serverlessworkflow.io"

ERROR_SCOPE_PATCH = "catch-when-on-error"
"""``workflow.patched`` id: ``when``/``exceptWhen`` of ``catch`` and ``retry`` evaluate on the
caught error (executions started before evaluate them on the task input)."""

ATTEMPT_DURATION_PATCH = "retry-attempt-duration"
"""``workflow.patched`` id: ``retry.limit.attempt.duration`` stops the retries (executions
started before ignore it)."""


def type_matches(expected: str, actual: str) -> bool:
    """Match error types; two serverlessworkflow.io standard types match by their short name.

    The CTK filters on ``https://serverlessworkflow.io/dsl/errors/types/communication`` while the
    spec defines ``https://serverlessworkflow.io/spec/1.0.0/errors/communication``, so both
    spellings of a standard type are accepted.
    """
    if expected == actual:
        return True
    both_standard = _STANDARD_HOST in expected and _STANDARD_HOST in actual
    return both_standard and short_type(expected) == short_type(actual)


def filter_matches(criteria: Mapping[str, Json], error: Mapping[str, Json]) -> bool:
    """Return True when every property of ``catch.errors.with`` equals the error's."""
    for key, expected in criteria.items():
        actual = error.get("detail" if key == "details" else key)
        if key == "type":
            if not type_matches(str(expected), str(actual)):
                return False
        elif actual != expected:
            return False
    return True


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Run the ``try`` list; on a caught error retry per policy or run ``catch.do``."""
    catch = run.node.spec["catch"]
    name = str(catch.get("as", "error"))
    policy = catch.get("retry")
    if isinstance(policy, str):
        policy = ctx.use["retries"][policy]
    first_start = workflow.now()
    attempt = 0
    while True:
        try:
            output, directive = await ctx.run_list(run.node.do, data, run.scope)
            return Outcome(output, END if directive == END else None)
        except WorkflowError as exc:
            error = exc.error
            scope = run.scope.child({name: error})
            variables = ctx.task_arguments(run, data, scope)
            if not await _caught(ctx, catch, error, data, variables):
                raise
            attempt += 1
            delay = await _retry_delay(ctx, policy, attempt, first_start, error, data, variables)
            if delay is not None:
                await ctx.progress.flush()
                if delay > timedelta(0):
                    await workflow.sleep(delay)
                continue
            if policy is not None and not catch.get("do"):
                raise  # retries exhausted and nothing handles the error
            if not catch.get("do"):
                return Outcome(data)
            output, directive = await ctx.run_list(run.node.catch_do, data, scope)
            return Outcome(output, END if directive == END else None)


async def _caught(
    ctx: TaskContext,
    catch: Mapping[str, Json],
    error: Mapping[str, Json],
    data: Json,
    variables: Mapping[str, Json],
) -> bool:
    criteria = (catch.get("errors") or {}).get("with") or {}
    if not filter_matches(criteria, error):
        return False
    return await _filters_pass(ctx, catch, error, data, variables)


async def _filters_pass(
    ctx: TaskContext,
    spec: Mapping[str, Json],
    error: Mapping[str, Json],
    data: Json,
    variables: Mapping[str, Json],
) -> bool:
    """``when`` holds and ``exceptWhen`` does not, evaluated with the caught error as ``.``.

    As serverlessworkflow/sdk-java's ``TryExecutor`` does (the spec is silent; see
    docs/spec-ambiguities.md); the ``catch.as`` variable and ``$input`` stay available.
    """
    if "when" not in spec and "exceptWhen" not in spec:
        return True
    subject = error if workflow.patched(ERROR_SCOPE_PATCH) else data
    if "when" in spec and not expressions.truthy(await ctx.field(spec["when"], subject, variables)):
        return False
    return not (
        "exceptWhen" in spec
        and expressions.truthy(await ctx.field(spec["exceptWhen"], subject, variables))
    )


async def _retry_delay(
    ctx: TaskContext,
    policy: Mapping[str, Json] | None,
    attempt: int,
    first_start: datetime,
    error: Mapping[str, Json],
    data: Json,
    variables: Mapping[str, Json],
) -> timedelta | None:
    """Delay before retry ``attempt`` (1-based), or None when the policy does not allow it.

    ``limit.attempt.duration`` bounds the time from the first attempt's start to the error
    that would be retried (workflow time); ``limit.duration`` the time to the next attempt.
    """
    if not policy:
        return None
    if not await _filters_pass(ctx, policy, error, data, variables):
        return None
    limit = policy.get("limit") or {}
    count = (limit.get("attempt") or {}).get("count")
    if count is not None and attempt > int(count):
        return None
    attempts_for = (limit.get("attempt") or {}).get("duration")
    if attempts_for is not None:
        window = await ctx.duration(attempts_for, data, variables)
        if workflow.now() - first_start > window and workflow.patched(ATTEMPT_DURATION_PATCH):
            return None
    base: timedelta = (
        await ctx.duration(policy["delay"], data, variables) if "delay" in policy else timedelta(0)
    )
    backoff = policy.get("backoff") or {}
    if "exponential" in backoff:
        delay = base * (1 << (attempt - 1))
    elif "linear" in backoff:
        delay = base * attempt
    else:
        delay = base
    jitter = policy.get("jitter")
    if isinstance(jitter, dict):
        low = await ctx.duration(jitter["from"], data, variables)
        high = await ctx.duration(jitter["to"], data, variables)
        delay += low + (high - low) * workflow.random().random()
    if "duration" in limit:
        budget = await ctx.duration(limit["duration"], data, variables)
        if workflow.now() + delay - first_start > budget:
            return None
    return delay
