"""The resource checks of calls made with a ``runner`` key, in one place.

A runner works only on executions in flight: it reads the workflow (or instance) an in-flight
execution runs, reports that execution's progress and fetches its secrets. Which RPC needs
which check is declared in :mod:`stigmer_server.access.rpc_scopes`; the access interceptor runs
the check before the service sees the request. The checks read index membership (a small
Redis read, no resource decoded) except for an instance, whose workflow id is in its record.
"""

from __future__ import annotations

import asyncio
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.contract import TERMINAL_PHASES

from stigmer_server.access.rpc_scopes import RunnerCheck, RunnerRule
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION, WORKFLOW_INSTANCE
from stigmer_server.errors import PermissionDeniedError
from stigmer_server.store import codec, keys
from stigmer_server.store.base import ResourceStore

IN_FLIGHT_PHASES = tuple(
    int(phase)  # the index names hold the number
    for phase in wex.ExecutionPhase
    if phase not in TERMINAL_PHASES and phase != wex.ExecutionPhase.EXECUTION_PHASE_UNSPECIFIED
)
"""The phases of an execution a runner may work on."""


class RunnerGuard:
    """Checks that a ``runner`` key's request names a resource of an execution in flight."""

    def __init__(self, store: ResourceStore) -> None:
        """Check against ``store``."""
        self._store = store

    async def check(self, rule: RunnerRule, method: str, request: Any) -> None:
        """Let the call through, or refuse it.

        An empty or unknown id passes: the service answers INVALID_ARGUMENT or NOT_FOUND
        (a runner drops the progress of a deleted execution on NOT_FOUND).

        Raises:
            PermissionDeniedError: The resource is not one a runner works on now.
        """
        resource_id = getattr(request, rule.id_field)
        if not isinstance(resource_id, str) or not resource_id:
            return
        if rule.check is RunnerCheck.EXECUTION_IN_FLIGHT:
            allowed = await self.execution_in_flight(resource_id)
        elif rule.check is RunnerCheck.WORKFLOW_IN_USE:
            allowed = await self.workflow_in_use(resource_id)
        else:
            allowed = await self.instance_in_use(resource_id)
        if allowed is False:
            raise PermissionDeniedError(
                f"a 'runner' key may call {method} only for {rule.check.value}: "
                f"{rule.id_field} {resource_id!r} is not"
            )

    async def execution_in_flight(self, execution_id: str) -> bool | None:
        """Whether the execution is PENDING or IN_PROGRESS; ``None`` when there is none."""
        indexes = await self._store.indexes(WORKFLOW_EXECUTION, execution_id)
        if indexes is None:
            return None
        return any(keys.index_by_phase(phase) in indexes for phase in IN_FLIGHT_PHASES)

    async def workflow_in_use(self, workflow_id: str) -> bool:
        """Whether some execution of the workflow is in flight."""
        counts = await asyncio.gather(
            *(
                self._store.count_index(
                    WORKFLOW_EXECUTION, keys.index_by_workflow_phase(workflow_id, phase)
                )
                for phase in IN_FLIGHT_PHASES
            )
        )
        return any(counts)

    async def instance_in_use(self, instance_id: str) -> bool | None:
        """Whether the instance's workflow has an execution in flight; ``None``: no instance.

        Executions are indexed by workflow, not instance: the instances of a workflow that runs
        are readable together (an instance is only read when an execution names no workflow).
        """
        data = await self._store.get(WORKFLOW_INSTANCE, instance_id)
        if data is None:
            return None
        spec = codec.decode(win.WorkflowInstance, data).spec
        workflow_id = spec.workflow_id if spec is not None else ""
        return bool(workflow_id) and await self.workflow_in_use(workflow_id)
