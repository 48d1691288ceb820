"""The runner's outbound network policy through the real services.

The session's services keep the default policy (loopback allowed, metadata and link-local
denied). The other tests use their own stigmer-server and workflow-runner whose policy denies
loopback except 127.0.0.2, where the allowed stubs listen; ``localhost`` (127.0.0.1) is the
denied destination, so a stub there proves no connection was made.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from tests.e2e.security.netpolicy_support import Stub, document, own_services, run, serve

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
DENIED = "Destination not allowed by the network policy"
ALLOWED_HOST = "127.0.0.2"
POLICY = {
    "STIGMER_EGRESS_DENY_CIDRS": "127.0.0.0/8,::1",
    "STIGMER_EGRESS_ALLOW_CIDRS": f"{ALLOWED_HOST}/32",
}

PROTO = """
syntax = "proto3";
package probe.v1;
message Ping { string name = 1; }
service Probe { rpc Call(Ping) returns (Ping); }
"""


@pytest.fixture(scope="module")
def strict_endpoint(service_env: dict[str, str]) -> Iterator[str]:
    """Services whose runner denies loopback except ``127.0.0.2``."""
    with own_services(service_env, POLICY) as endpoint:
        yield endpoint


@pytest.fixture
def denied_stub() -> Iterator[Stub]:
    """A stub on 127.0.0.1 (denied by the strict policy): it must never see a request."""
    with serve(Stub(routes={"/": (200, {}, {"leaked": True})})) as stub:
        yield stub


def _get(uri: str, **extra: Any) -> dict[str, Any]:
    return {"fetch": {"call": "http", "with": {"method": "get", "endpoint": uri, **extra}}}


def _denied(final: wex.WorkflowExecution) -> dict[str, Any]:
    assert final.status.phase == Phase.EXECUTION_FAILED, final.status.error
    details: dict[str, Any] = final.status.error_details.to_dict()
    assert details["title"] == DENIED, details
    assert details["type"].endswith("/errors/authorization")
    assert details["status"] == 403
    return details


async def test_metadata_address_is_denied_by_default(stigmer_endpoint: str) -> None:
    final = await run(
        stigmer_endpoint, document("metadata", [_get("http://169.254.169.254/latest/meta-data/")])
    )
    details = _denied(final)
    assert details["detail"] == (
        "169.254.169.254 (cloud metadata), denied by the built-in deny rule 169.254.169.254/32"
    )


async def test_a_name_resolving_to_a_denied_address_is_not_connected(
    strict_endpoint: str, denied_stub: Stub
) -> None:
    final = await run(
        strict_endpoint, document("name", [_get(f"http://localhost:{denied_stub.port}/")])
    )
    details = _denied(final)
    assert details["detail"] == (
        "'localhost' resolves to 127.0.0.1 (loopback), denied by STIGMER_EGRESS_DENY_CIDRS "
        "127.0.0.0/8"
    )
    assert denied_stub.seen == []


async def test_a_redirect_to_a_denied_address_is_checked_at_the_hop(
    strict_endpoint: str, denied_stub: Stub
) -> None:
    target = f"http://localhost:{denied_stub.port}/"
    routes = {"/hop": (302, {"Location": target}, {})}
    with serve(Stub(host=ALLOWED_HOST, routes=routes)) as allowed:
        final = await run(
            strict_endpoint, document("hop", [_get(f"{allowed.url}/hop", redirect=True)])
        )
    assert "'localhost' resolves to 127.0.0.1 (loopback)" in _denied(final)["detail"]
    assert [path for path, _ in allowed.seen] == ["/hop"]
    assert denied_stub.seen == []


async def test_cross_origin_redirect_drops_secret_headers(strict_endpoint: str) -> None:
    with serve(Stub(host=ALLOWED_HOST, routes={"/landing": (200, {}, {"ok": 1})})) as other:
        routes = {
            "/away": (302, {"Location": f"{other.url}/landing"}, {}),
            "/same": (302, {"Location": "/landing"}, {}),
            "/landing": (200, {}, {"ok": 0}),
        }
        with serve(Stub(host=ALLOWED_HOST, routes=routes)) as first:
            headers = {"X-Api-Key": "${ $secrets.API_KEY }", "X-Plain": "visible"}
            endpoint = {"authentication": {"bearer": {"use": "TOKEN"}}}
            tasks = [
                {
                    name: {
                        "call": "http",
                        "with": {
                            "method": "get",
                            "endpoint": {"uri": f"{first.url}/{name}", **endpoint},
                            "headers": headers,
                            "redirect": True,
                        },
                    }
                }
                for name in ("same", "away")
            ]
            final = await run(
                strict_endpoint,
                document("redirect", tasks, use={"secrets": ["API_KEY", "TOKEN"]}),
                secrets={"API_KEY": "k3y-value", "TOKEN": "t0ken-value"},
            )
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    seen = dict(first.seen)
    assert {p for p, _ in first.seen} == {"/same", "/away", "/landing"}
    # same origin: the credentials follow
    assert seen["/landing"]["x-api-key"] == "k3y-value"
    assert seen["/landing"]["authorization"] == "Bearer t0ken-value"
    # other origin (port): only the plain header follows
    [(path, landed)] = other.seen
    assert path == "/landing"
    assert landed["x-plain"] == "visible"
    assert "x-api-key" not in landed and "authorization" not in landed


async def test_openapi_server_and_grpc_host_are_checked(
    strict_endpoint: str, denied_stub: Stub
) -> None:
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": f"http://localhost:{denied_stub.port}"}],
        "paths": {"/": {"get": {"operationId": "probe", "responses": {"200": {}}}}},
    }
    routes: dict[str, tuple[int, dict[str, str], Any]] = {
        "/openapi.json": (200, {}, spec),
        "/probe.proto": (200, {}, PROTO),
    }
    with serve(Stub(host=ALLOWED_HOST, routes=routes)) as docs:
        openapi = {
            "call": "openapi",
            "with": {
                "document": {"endpoint": f"{docs.url}/openapi.json"},
                "operationId": "probe",
            },
        }
        grpc_call = {
            "call": "grpc",
            "with": {
                "proto": {"endpoint": f"{docs.url}/probe.proto"},
                "service": {"name": "probe.v1.Probe", "host": "localhost", "port": 50051},
                "method": "Call",
                "arguments": {"name": "x"},
            },
        }
        via_openapi = await run(strict_endpoint, document("openapi", [{"op": openapi}]))
        via_grpc = await run(strict_endpoint, document("grpc", [{"rpc": grpc_call}]))
    assert "'localhost' resolves to 127.0.0.1 (loopback)" in _denied(via_openapi)["detail"]
    assert "'localhost' resolves to 127.0.0.1 (loopback)" in _denied(via_grpc)["detail"]
    assert denied_stub.seen == []
