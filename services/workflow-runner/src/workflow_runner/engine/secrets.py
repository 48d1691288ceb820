"""``$secrets``: expressions that read secrets are evaluated inside activities only.

Workflow code never sees a secret value, so none can reach Temporal history. At load,
``$secrets`` is accepted only in fields an activity consumes (see :data:`SECRET_SITES`).

Where an activity must put a secret travels *beside* the data, never inside it: when workflow
code builds an activity request it walks the task's definition from the document (never data),
blanks each ``${ }`` string reading ``$secrets`` and each authentication ``use: <secret>``
reference, evaluates everything else as usual, and lists the blanked places as
:class:`SecretSite` values (a path in the request and the expression or secret name). The
activity evaluates exactly those sites and nothing else, so a value of the data that merely
looks like a secret reference (an input, an HTTP response, an event, a ``set``) is sent as the
literal data it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from temporalio.exceptions import ApplicationError

from workflow_runner.engine import expressions
from workflow_runner.engine.config import EngineConfig
from workflow_runner.engine.errors import WorkflowError, error_type, short_type

SECRET_SITES = (
    "call http: with.headers, with.query, with.body, with.endpoint (uri, authentication)",
    "call openapi: with.authentication",
    "call grpc: with.arguments, with.service.authentication",
    "run shell/script: environment, arguments, stdin",
)
"""Where ``$secrets`` may be used (values evaluated inside an activity)."""

AUTH_SCHEMES = ("basic", "bearer")
"""Authentication schemes whose ``use: <secret>`` reference reads a secret."""

SitePath = list[str | int]


@dataclass(frozen=True)
class SecretSite:
    """One place of an activity request that the activity fills with a secret.

    Attributes:
        path: Where in the request: the request field's name, then keys and list indexes.
        expression: The jq expression (reading ``$secrets``) to evaluate there, or ``""``.
        secret: The secret named by an authentication ``use: <secret>``, or ``""``.
    """

    path: SitePath
    expression: str = ""
    secret: str = ""


def references_secrets(expr: str) -> bool:
    """Return True when a jq expression reads ``$secrets``."""
    return "secrets" in expressions.scan(expr).variables


def blank(template: Any, path: SitePath) -> tuple[Any, list[SecretSite]]:
    """Replace each ``${ }`` string of ``template`` reading ``$secrets`` by None.

    Args:
        template: A value from the workflow document (never data).
        path: The request path of ``template``.

    Returns:
        The template with those strings blanked, and their sites.
    """
    if isinstance(template, str):
        if expressions.is_runtime_expression(template):
            expr = expressions.strip_expression(template)
            if references_secrets(expr):
                return None, [SecretSite(path=list(path), expression=expr)]
        return template, []
    if isinstance(template, Mapping):
        out: dict[str, Any] = {}
        sites: list[SecretSite] = []
        for key, item in template.items():
            out[key], found = blank(item, [*path, str(key)])
            sites.extend(found)
        return out, sites
    if isinstance(template, list):
        values: list[Any] = []
        sites = []
        for index, item in enumerate(template):
            value, found = blank(item, [*path, index])
            values.append(value)
            sites.extend(found)
        return values, sites
    return template, []


def blank_authentication(policy: Any, path: SitePath) -> tuple[Any, list[SecretSite]]:
    """:func:`blank`, plus each scheme's literal ``use: <secret>`` reference of ``policy``."""
    if not isinstance(policy, Mapping):
        return blank(policy, path)
    out: dict[str, Any] = {}
    sites: list[SecretSite] = []
    for scheme, value in policy.items():
        at = [*path, str(scheme)]
        reference = value.get("use") if isinstance(value, Mapping) else None
        literal = isinstance(reference, str) and not expressions.is_runtime_expression(reference)
        if scheme in AUTH_SCHEMES and literal and len(value) == 1:
            out[scheme] = None
            sites.append(SecretSite(path=at, secret=str(reference)))
            continue
        out[scheme], found = blank(value, at)
        sites.extend(found)
    return out, sites


def evaluated(
    evaluate: Callable[[Any], Any], template: Any, path: SitePath, *, authentication: bool = False
) -> tuple[Any, list[SecretSite]]:
    """Evaluate ``template`` with ``evaluate`` except its secret sites (left None)."""
    blanked, sites = (blank_authentication if authentication else blank)(template, path)
    return evaluate(blanked), sites


def masked(value: Any, field: str, sites: Sequence[SecretSite], mask: Any = "***") -> Any:
    """``value`` of request field ``field`` with ``mask`` at each of its secret sites."""
    for site in sites:
        if site.path and site.path[0] == field:
            value = _put(value, site.path[1:], mask)
    return value


def resolve(
    value: Any,
    field: str,
    sites: Sequence[SecretSite],
    scope: Mapping[str, Any] | None,
    secrets: Mapping[str, Any],
) -> Any:
    """Fill the secret sites of request field ``field`` (activity side).

    Raises:
        ApplicationError: Non-retryable: ``expression`` when an expression fails,
            ``authorization`` (403) when a named secret is not available.
    """
    for site in sites:
        if site.path and site.path[0] == field:
            value = _put(value, site.path[1:], _site_value(site, scope, secrets))
    return value


def _site_value(
    site: SecretSite, scope: Mapping[str, Any] | None, secrets: Mapping[str, Any]
) -> Any:
    if site.secret:
        if site.secret not in secrets:
            raise missing_secret(site.secret)
        return secrets[site.secret]
    scope = scope or {}
    variables = {**(scope.get("variables") or {}), "secrets": dict(secrets)}
    try:
        return expressions.evaluate(site.expression, scope.get("data"), variables, time.time())
    except WorkflowError as exc:
        raise to_application_error(exc.error) from None


def _put(value: Any, path: Sequence[str | int], new: Any) -> Any:
    """A copy of ``value`` with ``new`` at ``path`` (the containers exist: the document's)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and isinstance(head, str):
        return {**value, head: _put(value.get(head), rest, new)}
    if isinstance(value, list) and isinstance(head, int) and 0 <= head < len(value):
        return [*value[:head], _put(value[head], rest, new), *value[head + 1 :]]
    raise to_application_error(
        {
            "type": error_type("runtime"),
            "status": 500,
            "title": "Secret site not found",
            "detail": f"the request has no value at {'/'.join(map(str, path))} for a secret",
        }
    )


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
