"""Shared plumbing of the task kinds that run an activity: progress flush and error mapping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from stigmer_dsl import expressions
from stigmer_dsl.errors import WorkflowError, make_error
from stigmer_dsl.json_types import Json
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from workflow_runner.engine import secrets
from workflow_runner.engine.context import TaskContext, TaskRun

DEFAULT_TIMEOUT = timedelta(minutes=5)

# A worker that dies mid-call stops heartbeating (the engine's activities heartbeat from a
# background task, see engine/activities/heartbeat.py); Temporal then times the attempt out
# after HEARTBEAT_TIMEOUT instead of the whole start-to-close and retries it on a live worker.
HEARTBEAT_TIMEOUT = timedelta(seconds=10)

# Errors that no retry can fix. Activities raise DSL-level failures (HTTP transport errors,
# process timeouts, configuration and secret errors) as non-retryable ApplicationErrors already;
# these names cover plain Python exceptions of bad input, which Temporal reports by class name.
NON_RETRYABLE_ERROR_TYPES = ("KeyError", "TypeError", "ValueError", "AttributeError")

# Infrastructure failures only (a lost worker, an unreachable stigmer-server while secrets are
# fetched, a heartbeat or start-to-close timeout). The DSL's own ``retry`` policies remain the
# only retrying of task errors. See docs/reliability.md for what a retry may repeat.
INFRASTRUCTURE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=5,
    non_retryable_error_types=list(NON_RETRYABLE_ERROR_TYPES),
)


def secret_scope(
    data: Json, variables: Mapping[str, Json], sites: list[secrets.SecretSite]
) -> dict[str, Json] | None:
    """The scope of the ``$secrets`` expressions at ``sites`` (secrets excluded); None if none."""
    if not sites:
        return None
    return {"data": data, "variables": {k: v for k, v in variables.items() if k != "secrets"}}


async def secret_evaluated(
    ctx: TaskContext,
    template: Json,
    field: str,
    data: Json,
    variables: Mapping[str, Json],
    *,
    authentication: bool = False,
) -> tuple[Json, list[secrets.SecretSite]]:
    """Evaluate request field ``field`` from its document ``template``, secret sites apart.

    Returns:
        The value with None at each secret site, and the sites (see
        :mod:`~workflow_runner.engine.secrets`).
    """
    return await secrets.evaluated(
        lambda value: ctx.value(value, data, variables),
        template,
        [field],
        authentication=authentication,
    )


AUTHORIZATION_PATCH = "authorization-descriptor"
"""``workflow.patched`` id: ``$authorization`` is filled (executions started before see null)."""


def authorization(ctx: TaskContext, run: TaskRun, request: Any) -> dict[str, str] | None:
    """``$authorization`` of a request with an ``authentication`` policy (else None).

    The parameter is a secret reference when it comes from a secret (ADR 0029). Only built
    when the task's ``output.as`` or ``export.as`` reads it.
    """
    if request.authentication is None or not _reads_authorization(run.node.spec):
        return None
    if not workflow.patched(AUTHORIZATION_PATCH):
        return None
    return ctx.references.authorization(
        request.authentication, request.secret_sites, request.secret_scope
    )


def _reads_authorization(spec: Mapping[str, Json]) -> bool:
    for section in ("output", "export"):
        conf = spec.get(section)
        if isinstance(conf, Mapping) and "as" in conf:
            for expr in expressions.expressions_in(conf["as"], whole=True):
                if "authorization" in expressions.scan(expr).variables:
                    return True
    return False


def secret_names(ctx: TaskContext) -> list[str] | None:
    """``use.secrets`` as a list, or None when the document does not declare it."""
    declared = ctx.use.get("secrets")
    return None if declared is None else [str(name) for name in declared]


async def execute(
    ctx: TaskContext,
    name: str,
    argument: Any,
    result_type: type[Any],
    *,
    title: str,
    kinds: tuple[str, ...] = ("communication", "timeout"),
    default_kind: str = "communication",
    start_to_close: timedelta = DEFAULT_TIMEOUT,
    task_queue: str | None = None,
) -> Any:
    """Flush progress, run activity ``name``, map failures to DSL errors.

    The activity is retried by Temporal on infrastructure failures only (:data:`INFRASTRUCTURE_RETRY`,
    with a :data:`HEARTBEAT_TIMEOUT`); DSL-level errors are non-retryable and left to the DSL's
    ``try``/``retry``. These are scheduling options, so histories replay unchanged. An attempt
    that completed is recorded in history and never repeated; a retried attempt may repeat a
    request whose response was lost with the worker.

    An activity failure whose ``ApplicationError`` carries a DSL error dict in ``details[0]`` is
    re-raised as that error; otherwise its type picks one of ``kinds`` (else ``default_kind``).
    """
    await ctx.progress.flush()
    try:
        return await workflow.execute_activity(
            name,
            ctx.references.attach(argument),
            result_type=result_type,
            start_to_close_timeout=start_to_close,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=INFRASTRUCTURE_RETRY,
            task_queue=task_queue,
        )
    except ActivityError as exc:
        raise failure(exc, title=title, kinds=kinds, default_kind=default_kind) from None


def failure(
    exc: ActivityError, *, title: str, kinds: tuple[str, ...], default_kind: str
) -> WorkflowError:
    """Map an activity failure to a DSL error (see :func:`execute`)."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        details = cause.details
        if details and isinstance(details[0], dict) and "type" in details[0]:
            return WorkflowError(dict(details[0]))
        kind = cause.type if cause.type in kinds else default_kind
        return make_error(kind, cause.message, title=title)
    if cause is not None and type(cause).__name__ == "TimeoutError":
        return make_error("timeout", str(cause) or "activity timed out", title=title, status=408)
    return make_error(default_kind, str(cause or exc), title=title)
