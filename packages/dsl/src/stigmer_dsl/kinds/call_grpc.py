"""``call: grpc``: a unary call; the activity compiles the ``.proto`` and calls the method."""

from __future__ import annotations

import re
from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion

GRPC_REFLECTION_SCHEME = "grpc+reflection"
"""Marker endpoint for a typed gRPC call, which names no ``.proto`` file: the service is
meant to be described by gRPC server reflection."""

_GRPC_TARGET = re.compile(r"^(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>\d+))?/(?P<service>[^/]+)$")


def endpoint_of(resource: Mapping[str, Json]) -> Json:
    """The URI of an ``externalResource``'s ``endpoint`` (a string or ``{uri}``), if any."""
    endpoint = resource.get("endpoint")
    if isinstance(endpoint, dict):
        endpoint = endpoint.get("uri")
    return endpoint if isinstance(endpoint, str) and endpoint else None


def _check(c: Checker, site: Site) -> Children:
    args = site.spec.get("with") or {}
    at = f"{site.pointer}/with"
    proto = args.get("proto")
    if not isinstance(proto, dict) or endpoint_of(proto) is None:
        c.problem(f"{at}/proto", "call: grpc needs with.proto.endpoint (the .proto file)")
    else:
        c.expression(f"{at}/proto", proto, whole=False)
    service = args.get("service")
    if not isinstance(service, dict):
        c.problem(f"{at}/service", "call: grpc needs with.service {name, host, port?}")
        service = {}
    for key in ("name", "host"):
        if not isinstance(service.get(key), str) or not service.get(key):
            c.problem(f"{at}/service/{key}", f"service.{key} must be a non-empty string")
    if service.get("port") == 0:
        c.problem(f"{at}/service/port", "service.port must be between 1 and 65535")
    for key in ("name", "host"):
        c.expression(f"{at}/service/{key}", service.get(key), whole=False)
    auth = service.get("authentication")
    c.expression(f"{at}/service/authentication", auth, whole=False, secrets_ok=True)
    c.authentication(f"{at}/service/authentication", auth)
    c.expression(f"{at}/method", args.get("method"), whole=False)
    arguments = args.get("arguments") or {}
    c.expression(f"{at}/arguments", arguments, whole=False, secrets_ok=True)
    return LEAF


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("service", "method", "request"))
    service = c.string("service", required=True)
    method = c.string("method", required=True)
    assert service is not None
    # Stigmer's config names only the service; "host[:port]/pkg.Service" is also accepted.
    host, port, name = "localhost", None, service
    match = _GRPC_TARGET.match(service)
    if match:
        host, name = match["host"], match["service"]
        port = int(match["port"]) if match["port"] else None
    svc: dict[str, Json] = {"name": name, "host": host}
    authority = host
    if port is not None:
        svc["port"] = port
        authority = f"{host}:{port}"
    with_: dict[str, Json] = {
        "proto": {"endpoint": f"{GRPC_REFLECTION_SCHEME}://{authority}"},
        "service": svc,
        "method": method,
    }
    request = c.mapping("request")
    if request is not None:
        with_["arguments"] = request
    return TypedConversion({"call": "grpc", "with": with_})


KIND = TaskKind(
    id="call.grpc",
    key="call",
    variant="grpc",
    mapping=ProtoMapping("GRPC_CALL", "call", "grpc", typed=_typed),
    check=_check,
    task_type="WORKFLOW_TASK_API_CALL",
    secret_sites="call grpc: with.arguments, with.service.authentication",
)
