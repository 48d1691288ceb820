"""The network policy at connect time: resolve, check every address, dial only a checked one.

The host name is resolved here, each address is checked against the worker's
:class:`~workflow_runner.engine.network_policy.NetworkPolicy`, and the connection is made to a
checked address, so a name that re-resolves to another address between check and connect (DNS
rebinding) cannot slip through. TLS still verifies, and HTTP still sends, the original name
(httpcore passes it as SNI/Host; gRPC gets it as the authority and TLS target name).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from stigmer_dsl.errors import error_type
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflow_runner.engine import secrets as secret_values
from workflow_runner.engine.network_policy import NetworkPolicy

with workflow.unsafe.imports_passed_through():
    import httpcore

DENIED_TITLE = "Destination not allowed by the network policy"


def denied_error(host: str, address: str, address_class: str, rule: str) -> ApplicationError:
    """The DSL ``authorization`` error (403) of a refused destination (no URL, no secret)."""
    shown = host if host == address else f"{host!r} resolves to {address}"
    return secret_values.to_application_error(
        {
            "type": error_type("authorization"),
            "status": 403,
            "title": DENIED_TITLE,
            "detail": f"{shown} ({address_class}), denied by {rule}",
        }
    )


async def allowed_addresses(policy: NetworkPolicy, host: str, port: int) -> list[str]:
    """Resolve ``host`` and return the addresses the policy allows, in resolver order.

    Raises:
        ApplicationError: ``authorization`` error when the name resolves only to denied
            addresses.
        OSError: The name does not resolve (``socket.gaierror``).
    """
    host = host.strip("[]")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    else:
        addresses = [str(literal)]
    allowed: list[str] = []
    first_denial = None
    for address in addresses:
        denial = policy.check(address.split("%")[0])
        if denial is None:
            allowed.append(address)
        elif first_denial is None:
            first_denial = denial
    if not allowed and first_denial is not None:
        raise denied_error(
            host, first_denial.address, first_denial.address_class, first_denial.rule
        )
    return allowed


class PolicyBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that dials only addresses the policy allows."""

    def __init__(self, policy: NetworkPolicy) -> None:
        """Check connections against ``policy``; the actual I/O is anyio's."""
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve and check ``host``, then connect to the first allowed address that answers."""
        try:
            addresses = await asyncio.wait_for(allowed_addresses(self._policy, host, port), timeout)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"{host} has no address")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refused: the engine only makes TCP connections."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retry backoff)."""
        await self._inner.sleep(seconds)
