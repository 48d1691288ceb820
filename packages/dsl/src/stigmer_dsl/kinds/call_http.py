"""``call: http``: an HTTP request run by an activity."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion


def _check(c: Checker, site: Site) -> Children:
    args = site.spec.get("with") or {}
    c.expression(f"{site.pointer}/with", args, whole=False, secrets_ok=True)
    endpoint = args.get("endpoint")
    if isinstance(endpoint, dict):
        c.authentication(
            f"{site.pointer}/with/endpoint/authentication", endpoint.get("authentication")
        )
    return LEAF


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("method", "endpoint", "headers", "body", "timeout_seconds"))
    method = c.string("method", required=True)
    endpoint = c.get("endpoint")
    if isinstance(endpoint, Mapping):
        e = TypedConfig(endpoint, where, ("uri",))
        uri = e.string("uri")
    else:
        uri = endpoint if isinstance(endpoint, str) and endpoint else None
    if uri is None:
        raise c.error("endpoint.uri", "required")
    with_: dict[str, Json] = {"method": method, "endpoint": {"uri": uri}}
    headers = c.mapping("headers")
    if headers:
        with_["headers"] = headers
    body = c.get("body")
    if body is not None:
        with_["body"] = body
    defaults: dict[str, Json] = {}
    seconds = c.get("timeout_seconds")
    if seconds:
        if not isinstance(seconds, int) or seconds < 0:
            raise c.error("timeout_seconds", "must be a positive integer")
        defaults["timeout"] = {"after": {"seconds": seconds}}
    return TypedConversion({"call": "http", "with": with_}, defaults)


KIND = TaskKind(
    id="call.http",
    key="call",
    variant="http",
    mapping=ProtoMapping("HTTP_CALL", "call", "http", typed=_typed),
    check=_check,
    task_type="WORKFLOW_TASK_API_CALL",
    secret_sites="call http: with.headers, with.query, with.body, with.endpoint (uri, "
    "authentication)",
)
