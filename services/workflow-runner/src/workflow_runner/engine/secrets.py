"""``$secrets``: expressions that read secrets are evaluated inside activities only.

Workflow code never sees a secret value, so none can reach Temporal history. At load, ``$secrets``
is accepted only in fields an activity consumes (see :data:`SECRET_SITES`); in workflow code each
such ``${ }`` string is replaced by a marker ``{"$secretExpression": expr}`` and the activity
request carries the evaluation scope (the task's data and arguments, secrets excluded). The
activity fetches the execution's secrets from the worker's
:class:`~workflow_runner.engine.config.SecretResolver` and evaluates the markers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from temporalio.exceptions import ApplicationError

from workflow_runner.engine import expressions
from workflow_runner.engine.config import EngineConfig
from workflow_runner.engine.errors import WorkflowError, error_type, short_type

MARKER = "$secretExpression"

SECRET_SITES = (
    "call http: with.headers, with.query, with.body, with.endpoint (uri, authentication)",
    "call openapi: with.parameters, with.authentication",
    "call grpc: with.arguments, with.service.authentication",
    "run shell/script: environment, arguments, stdin",
)
"""Where ``$secrets`` may be used (values evaluated inside an activity)."""


def references_secrets(expr: str) -> bool:
    """Return True when a jq expression reads ``$secrets``."""
    return "secrets" in expressions.scan(expr).variables


def defer(value: Any) -> tuple[Any, bool]:
    """Replace ``${ }`` strings reading ``$secrets`` by markers; return (value, any marker)."""
    if isinstance(value, str):
        if expressions.is_runtime_expression(value):
            expr = expressions.strip_expression(value)
            if references_secrets(expr):
                return {MARKER: expr}, True
        return value, False
    if isinstance(value, dict):
        found = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[key], hit = defer(item)
            found = found or hit
        return out, found
    if isinstance(value, list):
        items = [defer(item) for item in value]
        return [v for v, _ in items], any(hit for _, hit in items)
    return value, False


def is_marker(value: Any) -> bool:
    """Return True for a deferred secret expression marker."""
    return isinstance(value, dict) and set(value) == {MARKER}


def resolve(value: Any, scope: Mapping[str, Any] | None, secrets: Mapping[str, Any]) -> Any:
    """Evaluate every marker in ``value`` with ``$secrets`` bound (activity side).

    Raises:
        ApplicationError: Non-retryable ``expression`` error when an expression fails.
    """
    if is_marker(value):
        scope = scope or {}
        variables = {**(scope.get("variables") or {}), "secrets": dict(secrets)}
        try:
            return expressions.evaluate(value[MARKER], scope.get("data"), variables, time.time())
        except WorkflowError as exc:
            raise to_application_error(exc.error) from None
    if isinstance(value, dict):
        return {k: resolve(v, scope, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scope, secrets) for v in value]
    return value


def to_application_error(error: dict[str, Any]) -> ApplicationError:
    """Wrap a DSL error dict for an activity failure the workflow maps back (details[0])."""
    return ApplicationError(
        f"{error.get('title')}: {error.get('detail')}",
        error,
        type=short_type(str(error.get("type", "runtime"))),
        non_retryable=True,
    )


def missing_secret(name: str) -> ApplicationError:
    """The spec's 403 authorization error for a secret that is missing or not accessible."""
    return to_application_error(
        {
            "type": error_type("authorization"),
            "status": 403,
            "title": "Secret not available",
            "detail": f"secret {name!r} is not defined for this execution or not declared in "
            "use.secrets",
        }
    )


async def fetch(
    config: EngineConfig, execution_id: str, declared: list[str] | None
) -> dict[str, Any]:
    """Fetch the execution's secrets, restricted to ``use.secrets`` when it is declared."""
    if config.secret_resolver is None:
        return {}
    secrets = dict(await config.secret_resolver.resolve(execution_id))
    if declared is not None:
        secrets = {k: v for k, v in secrets.items() if k in declared}
    return secrets
