"""The one table of which scopes may call which RPC (docs/adr/0026-scoped-api-keys.md).

Every RPC of every service in the generated protos has an entry (a test checks it). An RPC
missing from the table is open to ``admin`` keys only. The gRPC health and reflection services
need no key at all (:data:`EXEMPT_PREFIXES`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from stigmer_server.access.api_keys import Scope

EXEMPT_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
"""Probes and tooling work without a key: health checks (kubelet, compose) and reflection."""


class RunnerCheck(enum.Enum):
    """What the resource a ``runner`` key's request names must be (see
    :class:`~stigmer_server.access.runner_guard.RunnerGuard`)."""

    EXECUTION_IN_FLIGHT = "an execution in flight (PENDING or IN_PROGRESS)"
    WORKFLOW_IN_USE = "a workflow with an execution in flight"
    INSTANCE_IN_USE = "a workflow instance whose workflow has an execution in flight"


@dataclass(frozen=True)
class RunnerRule:
    """The check a ``runner`` key's call must pass.

    Attributes:
        check: What the named resource must be.
        id_field: The request field holding the resource id.
    """

    check: RunnerCheck
    id_field: str


@dataclass(frozen=True)
class RpcAccess:
    """Who may call one RPC.

    Attributes:
        scopes: The scopes allowed.
        runner: The resource check of calls with a ``runner`` key (required when ``scopes``
            holds ``runner``).
    """

    scopes: frozenset[Scope]
    runner: RunnerRule | None = None


_ADMIN, _WRITE, _READ, _RUNNER = Scope.ADMIN, Scope.WRITE, Scope.READ, Scope.RUNNER
_READ_ANY = RpcAccess(frozenset({_ADMIN, _WRITE, _READ}))
_WRITE_ANY = RpcAccess(frozenset({_ADMIN, _WRITE}))


def _runner(check: RunnerCheck, id_field: str, *others: Scope) -> RpcAccess:
    return RpcAccess(frozenset({_ADMIN, _RUNNER, *others}), RunnerRule(check, id_field))


_WF = "/ai.stigmer.agentic.workflow.v1.WorkflowCommandController/"
_WF_Q = "/ai.stigmer.agentic.workflow.v1.WorkflowQueryController/"
_WF_S = "/ai.stigmer.agentic.workflow.v1.WorkflowScheduleController/"
_WIN = "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceCommandController/"
_WIN_Q = "/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceQueryController/"
_WEX = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/"
_WEX_Q = "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionQueryController/"

RPC_ACCESS: Mapping[str, RpcAccess] = MappingProxyType(
    {
        _WF + "apply": _WRITE_ANY,
        _WF + "create": _WRITE_ANY,
        _WF + "update": _WRITE_ANY,
        _WF + "delete": _WRITE_ANY,
        _WF_Q + "get": _runner(RunnerCheck.WORKFLOW_IN_USE, "value", _WRITE, _READ),
        _WF_Q + "getByReference": _READ_ANY,
        _WF_S + "list": _READ_ANY,
        # Pausing, resuming and starting runs change what runs: as applying a workflow does.
        _WF_S + "pause": _WRITE_ANY,
        _WF_S + "resume": _WRITE_ANY,
        _WF_S + "trigger": _WRITE_ANY,
        _WF_S + "backfill": _WRITE_ANY,
        _WIN + "apply": _WRITE_ANY,
        _WIN + "create": _WRITE_ANY,
        _WIN + "update": _WRITE_ANY,
        _WIN + "delete": _WRITE_ANY,
        _WIN_Q + "get": _runner(RunnerCheck.INSTANCE_IN_USE, "value", _WRITE, _READ),
        _WIN_Q + "getByWorkflow": _READ_ANY,
        _WIN_Q + "getByReference": _READ_ANY,
        _WEX + "create": _WRITE_ANY,
        _WEX + "update": _WRITE_ANY,
        # The runner's progress reports: not a user operation (a user would forge results).
        _WEX + "updateStatus": _runner(RunnerCheck.EXECUTION_IN_FLIGHT, "execution_id"),
        # A running execution's run: workflow task: its runner creates the subflow (ADR 0036).
        _WEX + "createSubflow": _runner(RunnerCheck.EXECUTION_IN_FLIGHT, "parent_execution_id"),
        _WEX + "delete": _WRITE_ANY,
        _WEX + "cancel": _WRITE_ANY,
        _WEX + "signal": _WRITE_ANY,
        _WEX + "terminate": _WRITE_ANY,
        _WEX + "rerun": _WRITE_ANY,
        _WEX + "publish": _WRITE_ANY,  # events in, as POST /events (ADR 0037)
        _WEX + "pause": _WRITE_ANY,
        _WEX + "resume": _WRITE_ANY,
        _WEX + "uploadInput": _WRITE_ANY,
        _WEX_Q + "get": _runner(RunnerCheck.EXECUTION_IN_FLIGHT, "value", _WRITE, _READ),
        _WEX_Q + "list": _READ_ANY,
        _WEX_Q + "listByWorkflow": _READ_ANY,
        _WEX_Q + "subscribe": _READ_ANY,
        # The runner reads an uploaded input of an execution it runs (ADR 0033).
        _WEX_Q + "getValue": _runner(
            RunnerCheck.EXECUTION_IN_FLIGHT, "execution_id", _WRITE, _READ
        ),
        # Secret values in clear, for the execution's own interpreter workflow only.
        _WEX_Q + "getSecrets": _runner(RunnerCheck.EXECUTION_IN_FLIGHT, "execution_id"),
    }
)

_ADMIN_ONLY = RpcAccess(frozenset({_ADMIN}))


def access_of(method: str) -> RpcAccess:
    """Who may call ``method`` (a full name, ``/<package>.<Service>/<rpc>``)."""
    return RPC_ACCESS.get(method, _ADMIN_ONLY)
