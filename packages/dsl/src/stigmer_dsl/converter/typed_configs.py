"""Stigmer's typed task configs (``tasks/*.proto`` as JSON in ``task_config``) -> DSL bodies.

Stigmer clients put the protojson form of e.g. ``SetTaskConfig`` in ``task_config``. Such
a config has no DSL task key (``set``, ``call``...), which is how it is told apart from the
canonical form. Each converter returns the canonical DSL task body (nested tasks stay
``WorkflowTask`` JSON objects) plus any common task fields the typed config implies. Field
names are accepted in snake_case and lowerCamelCase (protojson reads both); unknown fields
are rejected, as Stigmer's strict ``protojson.Unmarshal`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stigmer_protos.ai.stigmer.commons.apiresource import ApiResourceOwnerScope, WorkflowTaskKind

from stigmer_dsl.converter.errors import ConversionError
from stigmer_dsl.converter.kinds import KIND_PREFIX
from stigmer_dsl.errors import ERROR_TYPE_PREFIX, STANDARD_STATUS

#: Marker endpoint for a typed gRPC call, which names no ``.proto`` file: the service is
#: meant to be described by gRPC server reflection.
GRPC_REFLECTION_SCHEME = "grpc+reflection"


@dataclass(frozen=True)
class TypedConversion:
    """Result of converting one typed config.

    Attributes:
        body: The canonical DSL task body (without the common task fields).
        defaults: Common task fields implied by the config (``timeout``), used only when
            the ``WorkflowTask`` does not set them itself.
    """

    body: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)


class _Config:
    """Read access to a typed config with snake/camel names and error paths."""

    def __init__(self, data: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
        self.data = data
        self.where = where
        known = set(allowed) | {_camel(name) for name in allowed}
        for key in data:
            if key not in known:
                raise ConversionError(where, f"task_config.{key}", "unknown field")

    def get(self, name: str) -> Any:
        if name in self.data:
            return self.data[name]
        return self.data.get(_camel(name))

    def error(self, name: str, reason: str) -> ConversionError:
        return ConversionError(self.where, f"task_config.{name}", reason)

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self.get(name)
        if value is None or value == "":
            if required:
                raise self.error(name, "required")
            return None
        if not isinstance(value, str):
            raise self.error(name, "must be a string")
        return value

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.error(name, "must be an object")
        return dict(value)

    def tasks(self, name: str) -> list[Any]:
        value = self.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, "must be a list of tasks")
        return list(value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _set(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("variables",))
    variables = c.mapping("variables")
    if variables is None:
        raise c.error("variables", "required")
    return TypedConversion({"set": variables})


def _http_call(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("method", "endpoint", "headers", "body", "timeout_seconds"))
    method = c.string("method", required=True)
    endpoint = c.get("endpoint")
    if isinstance(endpoint, Mapping):
        e = _Config(endpoint, where, ("uri",))
        uri = e.string("uri")
    else:
        uri = endpoint if isinstance(endpoint, str) and endpoint else None
    if uri is None:
        raise c.error("endpoint.uri", "required")
    with_: dict[str, Any] = {"method": method, "endpoint": {"uri": uri}}
    headers = c.mapping("headers")
    if headers:
        with_["headers"] = headers
    body = c.get("body")
    if body is not None:
        with_["body"] = body
    defaults: dict[str, Any] = {}
    seconds = c.get("timeout_seconds")
    if seconds:
        if not isinstance(seconds, int) or seconds < 0:
            raise c.error("timeout_seconds", "must be a positive integer")
        defaults["timeout"] = {"after": {"seconds": seconds}}
    return TypedConversion({"call": "http", "with": with_}, defaults)


_GRPC_TARGET = re.compile(r"^(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>\d+))?/(?P<service>[^/]+)$")


def _grpc_call(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("service", "method", "request"))
    service = c.string("service", required=True)
    method = c.string("method", required=True)
    assert service is not None
    # Stigmer's config names only the service; "host[:port]/pkg.Service" is also accepted.
    host, port, name = "localhost", None, service
    match = _GRPC_TARGET.match(service)
    if match:
        host, name = match["host"], match["service"]
        port = int(match["port"]) if match["port"] else None
    svc: dict[str, Any] = {"name": name, "host": host}
    authority = host
    if port is not None:
        svc["port"] = port
        authority = f"{host}:{port}"
    with_: dict[str, Any] = {
        "proto": {"endpoint": f"{GRPC_REFLECTION_SCHEME}://{authority}"},
        "service": svc,
        "method": method,
    }
    request = c.mapping("request")
    if request is not None:
        with_["arguments"] = request
    return TypedConversion({"call": "grpc", "with": with_})


def _call_activity(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("activity", "input"))
    with_: dict[str, Any] = {"name": c.string("activity", required=True)}
    payload = c.get("input")
    if payload is not None:
        with_["arguments"] = [payload]
    return TypedConversion({"call": "activity", "with": with_})


def _switch(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("cases",))
    cases = c.get("cases")
    if not isinstance(cases, list) or not cases:
        raise c.error("cases", "required (a non-empty list)")
    result: list[dict[str, Any]] = []
    for index, case in enumerate(cases):
        if not isinstance(case, Mapping):
            raise c.error(f"cases[{index}]", "must be an object")
        k = _Config(case, where, ("name", "when", "then"))
        prefix = f"cases[{index}]."
        name = _prefixed(k, prefix, "name") or f"case{index}"
        then = _prefixed(k, prefix, "then", required=True)
        when = _prefixed(k, prefix, "when")
        body: dict[str, Any] = {}
        if when is not None:
            body["when"] = when
        body["then"] = then
        result.append({name: body})
    return TypedConversion({"switch": result})


def _prefixed(c: _Config, prefix: str, name: str, *, required: bool = False) -> str | None:
    try:
        return c.string(name, required=required)
    except ConversionError as exc:
        raise ConversionError(c.where, f"task_config.{prefix}{name}", exc.reason) from None


def _for(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("each", "in", "do"))
    loop: dict[str, Any] = {}
    each = c.string("each")
    if each is not None:
        loop["each"] = each
    loop["in"] = c.string("in", required=True)
    return TypedConversion({"for": loop, "do": c.tasks("do")})


def _fork(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("branches", "compete"))
    raw = c.get("branches")
    if not isinstance(raw, list) or not raw:
        raise c.error("branches", "required (a non-empty list)")
    branches: list[Any] = []
    for index, branch in enumerate(raw):
        if not isinstance(branch, Mapping):
            raise c.error(f"branches[{index}]", "must be an object")
        b = _Config(branch, where, ("name", "do"))
        name = _prefixed(b, f"branches[{index}].", "name", required=True)
        # A branch is a named task list: in the DSL, a branch task whose body is `do`.
        branches.append(
            {"name": name, "kind": f"{KIND_PREFIX}DO", "taskConfig": {"do": b.tasks("do")}}
        )
    fork: dict[str, Any] = {"branches": branches}
    compete = c.get("compete")
    if compete is not None:
        if not isinstance(compete, bool):
            raise c.error("compete", "must be a boolean")
        fork["compete"] = compete
    return TypedConversion({"fork": fork})


def _listen(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("to",))
    to = c.mapping("to")
    if to is None:
        raise c.error("to", "required")
    t = _Config(to, where, ("mode", "signals"))
    signals = t.get("signals")
    if not isinstance(signals, list) or not signals:
        raise c.error("to.signals", "required (a non-empty list)")
    filters: list[dict[str, Any]] = []
    for index, signal in enumerate(signals):
        if not isinstance(signal, Mapping):
            raise c.error(f"to.signals[{index}]", "must be an object")
        s = _Config(signal, where, ("id", "type"))
        sid = _prefixed(s, f"to.signals[{index}].", "id", required=True)
        stype = _prefixed(s, f"to.signals[{index}].", "type") or "signal"
        if stype not in ("signal", "query", "update"):
            raise c.error(f"to.signals[{index}].type", "must be signal, query or update")
        filters.append({"with": {"id": sid, "type": stype}})
    mode = t.string("mode") or ("one" if len(filters) == 1 else "all")
    if mode == "one":
        if len(filters) != 1:
            raise c.error("to.mode", "'one' needs exactly one signal")
        strategy: dict[str, Any] = {"one": filters[0]}
    elif mode in ("all", "any"):
        strategy = {mode: filters}
    else:
        raise c.error("to.mode", f"must be one, all or any, got {mode!r}")
    return TypedConversion({"listen": {"to": strategy}})


def _wait(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("seconds",))
    seconds = c.get("seconds")
    if seconds is None:
        raise c.error("seconds", "required")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise c.error("seconds", "must be an integer >= 1")
    return TypedConversion({"wait": {"seconds": seconds}})


def _raise(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("error", "message"))
    error = c.string("error", required=True)
    assert error is not None
    message = c.string("message")
    known = error.strip().lower().removesuffix("error").removesuffix("_").removesuffix("-")
    raised: dict[str, Any]
    if "://" in error:
        raised = {"type": error, "status": 500}
    elif known in STANDARD_STATUS:
        raised = {"type": ERROR_TYPE_PREFIX + known, "status": STANDARD_STATUS[known]}
        raised["title"] = error
    else:
        raised = {"type": ERROR_TYPE_PREFIX + "runtime", "status": 500, "title": error}
    if message is not None:
        raised["detail"] = message
    return TypedConversion({"raise": {"error": raised}})


_WORKFLOW_REF = re.compile(r"^(?:(?P<ns>[^/]+)/)?(?P<name>[^/:@]+)(?:[:@](?P<version>.+))?$")


def _run(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("workflow", "input"))
    ref = c.string("workflow", required=True)
    assert ref is not None
    match = _WORKFLOW_REF.match(ref)
    if not match:
        raise c.error("workflow", "must be '[namespace/]name[:version]'")
    workflow: dict[str, Any] = {
        "namespace": match["ns"] or "default",
        "name": match["name"],
        "version": match["version"] or "latest",
    }
    payload = c.mapping("input")
    if payload is not None:
        workflow["input"] = payload
    return TypedConversion({"run": {"workflow": workflow}})


def _agent_call(config: Mapping[str, Any], where: str) -> TypedConversion:
    c = _Config(config, where, ("agent", "scope", "message", "env", "config"))
    with_: dict[str, Any] = {
        "agent": c.string("agent", required=True),
        "message": c.string("message", required=True),
    }
    scope = c.get("scope")
    if isinstance(scope, int) and not isinstance(scope, bool):
        try:
            scope = ApiResourceOwnerScope(scope).name
        except ValueError:
            raise c.error("scope", f"unknown scope {scope}") from None
    if scope:
        with_["scope"] = scope
    env = c.mapping("env")
    if env:
        with_["env"] = env
    agent_config = c.mapping("config")
    if agent_config:
        _Config(agent_config, where, ("model", "timeout", "temperature"))
        with_["config"] = agent_config
    return TypedConversion({"call": "agent", "with": with_})


K = WorkflowTaskKind

TYPED_CONVERTERS: dict[WorkflowTaskKind, Callable[[Mapping[str, Any], str], TypedConversion]] = {
    K.SET: _set,
    K.HTTP_CALL: _http_call,
    K.GRPC_CALL: _grpc_call,
    K.CALL_ACTIVITY: _call_activity,
    K.SWITCH: _switch,
    K.FOR: _for,
    K.FORK: _fork,
    K.LISTEN: _listen,
    K.WAIT: _wait,
    K.RAISE: _raise,
    K.RUN: _run,
    K.AGENT_CALL: _agent_call,
}
"""Typed-config converters by kind. TRY has none: ``TryTaskConfig`` JSON already *is* the
canonical body (``{"try": [...], "catch": {"as", "do": [...]}}``)."""


def convert_typed_config(
    kind: WorkflowTaskKind, config: Mapping[str, Any], where: str
) -> TypedConversion | None:
    """Convert a Stigmer typed config to a canonical DSL body.

    Args:
        kind: The task kind.
        config: The ``task_config`` JSON, known not to be in canonical form.
        where: The task path, for error messages.

    Returns:
        The conversion, or ``None`` when ``kind`` has no Stigmer typed config.

    Raises:
        ConversionError: The config is missing a required field or has a wrong one.
    """
    converter = TYPED_CONVERTERS.get(kind)
    return None if converter is None else converter(config, where)
