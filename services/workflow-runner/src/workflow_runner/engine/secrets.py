"""``$secrets``: expressions that read secrets are evaluated inside activities only.

Workflow code never sees a secret value, so none can reach Temporal history. At load,
``$secrets`` is accepted only in fields an activity consumes (see :data:`stigmer_dsl.secret_sites.SECRET_SITES`).

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

import base64
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stigmer_dsl import expressions
from stigmer_dsl.errors import WorkflowError, error_type, short_type
from stigmer_dsl.secret_sites import references_secrets
from temporalio.exceptions import ApplicationError

from workflow_runner.engine import evaluation
from workflow_runner.engine.config import EngineConfig
from workflow_runner.engine.http_values import json_text

AUTH_SCHEMES = ("basic", "bearer")
"""Authentication schemes whose ``use: <secret>`` reference reads a secret."""

SitePath = list[str | int]

REFERENCE_PREFIX = "~stigmer-secret."
"""Start of a secret reference token (see :mod:`~workflow_runner.engine.secret_references`);
only URI-unreserved characters, so percent-encoding leaves a token intact."""

_TOKEN = re.compile(re.escape(REFERENCE_PREFIX) + r"[0-9a-f]{32}~")


@dataclass(frozen=True)
class SecretSite:
    """One place of an activity request that the activity fills with a secret.

    Attributes:
        path: Where in the request: the request field's name, then keys and list indexes;
            empty for a site of ``references`` (every field).
        expression: The jq expression (reading ``$secrets``) to evaluate there, or ``""``.
        secret: The secret named by an authentication ``use: <secret>``, or ``""``.
        references: Secret reference tokens the workflow minted, with what each stands for
            (see :mod:`~workflow_runner.engine.secret_references`).
    """

    path: SitePath
    expression: str = ""
    secret: str = ""
    references: dict[str, Any] = field(default_factory=dict)


_SECRETS = re.compile(r"\$secrets\b")
_STRING = r'"((?:[^"\\]|\\.)*)"'
_STEP = re.compile(
    r"\s*(?:\.\s*(?:([A-Za-z_][A-Za-z0-9_]*)|" + _STRING + r")|\[\s*" + _STRING + r"\s*\])"
)


@dataclass(frozen=True)
class SecretReads:
    """The secrets a jq expression reads, as far as its text shows.

    Attributes:
        paths: Each ``$secrets.a.b`` / ``$secrets["a"]`` path (names, then keys), in order.
        whole: ``$secrets`` is also read otherwise (whole, or with a computed key).
    """

    paths: tuple[tuple[str, ...], ...]
    whole: bool

    @property
    def names(self) -> list[str]:
        """The secret names of :attr:`paths` (first occurrence order, no repeats)."""
        return list(dict.fromkeys(path[0] for path in self.paths))


def secret_reads(expr: str) -> SecretReads:
    """Find the literal paths read from ``$secrets`` in ``expr`` (string literals ignored)."""
    text = expressions.normalize(expr)
    code = expressions.code_only(text)  # same length: positions match ``text``
    paths: list[tuple[str, ...]] = []
    whole = False
    for found in _SECRETS.finditer(code):
        at, path = found.end(), []
        while step := _STEP.match(text, at):
            name = step.group(1)
            literal = step.group(2) if step.group(2) is not None else step.group(3)
            path.append(name if name is not None else json.loads(f'"{literal}"'))
            at = step.end()
        if path:
            paths.append(tuple(path))
        else:
            whole = True
    return SecretReads(tuple(paths), whole)


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


async def evaluated(
    evaluate: Callable[[Any], Awaitable[Any]],
    template: Any,
    path: SitePath,
    *,
    authentication: bool = False,
) -> tuple[Any, list[SecretSite]]:
    """Evaluate ``template`` with ``evaluate`` except its secret sites (left None)."""
    blanked, sites = (blank_authentication if authentication else blank)(template, path)
    return await evaluate(blanked), sites


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
    for site in sites:
        if site.references:
            value = substitute(value, site.references, secrets)
    return value


def tokens_in(value: Any) -> Iterator[str]:
    """The secret reference tokens in the strings of ``value``."""
    if isinstance(value, str):
        if REFERENCE_PREFIX in value:
            yield from _TOKEN.findall(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from tokens_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from tokens_in(item)


def substitute(value: Any, references: Mapping[str, Any], secrets: Mapping[str, Any]) -> Any:
    """Replace the tokens of ``references`` in ``value`` by what they stand for (activity side).

    A string that is one token becomes the value (any JSON); a token inside a longer string
    becomes its text (strings as is, other values as JSON). Other tokens stay literal text.

    Raises:
        ApplicationError: ``authorization`` (403) when a referenced secret is not available.
    """
    if isinstance(value, str):
        if REFERENCE_PREFIX not in value:
            return value
        if value in references:
            return _meaning_value(references[value], secrets)

        def text(match: re.Match[str]) -> str:
            token = match.group(0)
            if token not in references:
                return token
            return json_text(_meaning_value(references[token], secrets)) or ""

        return _TOKEN.sub(text, value)
    if isinstance(value, Mapping):
        return {key: substitute(item, references, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, references, secrets) for item in value]
    return value


def _meaning_value(meaning: Mapping[str, Any], secrets: Mapping[str, Any]) -> Any:
    if "secret" in meaning:
        path = [str(key) for key in meaning["secret"]]
        if not path or path[0] not in secrets:
            raise missing_secret(path[0] if path else "")
        value: Any = secrets[path[0]]
        for key in path[1:]:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value
    auth = meaning["authorization"]
    sites = [SecretSite(**site) for site in auth.get("sites") or []]
    policy = resolve(auth["policy"], "authentication", sites, auth.get("scope"), secrets)
    policy = substitute(policy, auth.get("references") or {}, secrets)
    parts = authorization_parts(policy)
    if parts is None:
        raise invalid_authentication("the policy has no basic or bearer scheme")
    return parts[1]


def authorization_scheme(policy: Any) -> str | None:
    """``Basic`` or ``Bearer`` for a ``basic``/``bearer`` policy, else None."""
    if isinstance(policy, Mapping):
        for scheme in AUTH_SCHEMES:
            if scheme in policy:
                return scheme.capitalize()
    return None


def authorization_parts(policy: Any) -> tuple[str, str] | None:
    """The scheme and parameter of a resolved ``basic``/``bearer`` policy (None: no scheme).

    A scheme's ``use: <secret>`` has been replaced by the secret (see :func:`resolve`): an
    object with ``username``/``password`` (basic) or ``token`` (bearer), or a plain string
    token for bearer.

    Raises:
        ApplicationError: Non-retryable ``configuration`` error for a policy of another shape.
    """
    scheme = authorization_scheme(policy)
    if scheme == "Basic":
        basic = policy["basic"]
        if not isinstance(basic, Mapping) or not {"username", "password"} <= set(basic):
            raise invalid_authentication("basic authentication needs a username and a password")
        pair = f"{basic['username']}:{basic['password']}".encode()
        return scheme, base64.b64encode(pair).decode()
    if scheme == "Bearer":
        bearer = policy["bearer"]
        value = bearer.get("token") if isinstance(bearer, Mapping) else bearer
        if not isinstance(value, str):
            raise invalid_authentication("bearer authentication needs a token (a string)")
        return scheme, value
    return None


def invalid_authentication(detail: str) -> ApplicationError:
    """The ``configuration`` error (400) of an authentication policy of the wrong shape."""
    return to_application_error(
        {
            "type": error_type("configuration"),
            "status": 400,
            "title": "Invalid authentication",
            "detail": detail,
        }
    )


def _site_value(
    site: SecretSite, scope: Mapping[str, Any] | None, secrets: Mapping[str, Any]
) -> Any:
    if site.secret:
        if site.secret not in secrets:
            raise missing_secret(site.secret)
        return secrets[site.secret]
    for name in secret_reads(site.expression).names:
        if name not in secrets:
            raise missing_secret(name)
    scope = scope or {}
    variables = {**(scope.get("variables") or {}), "secrets": dict(secrets)}
    try:
        return evaluation.evaluate(site.expression, scope.get("data"), variables, time.time())
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
