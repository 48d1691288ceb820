"""Executions started by events: the ``schedule.on`` of a workflow (ADR 0037).

A workflow whose document has ``schedule.on`` is indexed under its filters' event types when it
is applied, and dropped when it is deleted or its document no longer has one. The router hands
every accepted event to :meth:`EventStarter.start`, which creates one execution per workflow
whose filters the event passes, with ``[event]`` as its input. The index is only a hint: the
workflow's current document is checked again before each create, and the create's request id
is derived from the event, so an event routed twice starts one execution.
"""

from __future__ import annotations

import logging
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt

from stigmer_server.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from stigmer_server.events.store import EventStore
from stigmer_server.workflow.schedule.event_start import EventStart, event_start_of
from stigmer_server.workflow.service import WorkflowService
from stigmer_server.workflowexecution.request_ids import CreateRequestId
from stigmer_server.workflowexecution.service import ExecutionService

_log = logging.getLogger(__name__)

EVENT_CALLER = "events"
"""The caller of the request ids of event-started creates (API callers are key digests)."""

EVENT_LABEL = "stigmer.ai/event"
"""Label of an event-started execution: the digest of its event's (source, id)."""

MAX_SLUG_CHARS = 200
"""Of the workflow's slug in an event-started execution's name."""


class EventStarter:
    """Indexes ``schedule.on`` workflows and starts their executions from events."""

    def __init__(
        self, store: EventStore, workflows: WorkflowService, executions: ExecutionService
    ) -> None:
        """Index in ``store``; read ``workflows``; create through ``executions`` (the API path)."""
        self._store = store
        self._workflows = workflows
        self._executions = executions

    async def index(self, workflow_id: str, spec: wf.WorkflowSpec | None) -> None:
        """Index (or drop) a stored workflow by its document's ``schedule.on``."""
        start = _start_of(spec)
        if start is None:
            await self._store.remove_start(workflow_id)
            return
        await self._store.put_start(
            workflow_id, start.event_types, [dict(f) for f in start.filters]
        )

    async def remove(self, workflow_id: str) -> None:
        """Drop a deleted workflow."""
        await self._store.remove_start(workflow_id)

    async def start(self, key: str, event: dict[str, Any]) -> None:
        """Create the executions ``event`` starts (the router's at-least-once delivery)."""
        for workflow_id, _ in await self._store.starts(str(event.get("type", ""))):
            workflow = await self._workflows.repo.get(workflow_id)
            start = None if workflow is None else _start_of(workflow.spec)
            if workflow is None or start is None:
                await self._store.remove_start(workflow_id)  # deleted or changed meanwhile
                continue
            if start.matches(event):
                await self._create(workflow, key, event)

    async def _create(self, workflow: wf.Workflow, key: str, event: dict[str, Any]) -> None:
        assert workflow.metadata is not None
        md = workflow.metadata
        execution = wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(
                name=f"{md.slug[:MAX_SLUG_CHARS]}-event-{key[:12]}",
                org=md.org,
                owner_scope=md.owner_scope,
                labels={EVENT_LABEL: key},
            ),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=md.id, input_value=wkt.Value.from_dict([event])
            ),
        )
        try:
            created = await self._executions.create(
                execution, CreateRequestId(value=f"event-{key}", caller=EVENT_CALLER)
            )
        except NotFoundError:
            return  # deleted meanwhile
        except (InvalidArgumentError, AlreadyExistsError, FailedPreconditionError) as err:
            # Not worth a retry (the event would block the stream): say why and go on.
            _log.warning(
                "event could not start an execution: %s", err, extra={"workflow_id": md.id}
            )
            return
        _log.info(
            "event started an execution",
            extra={
                "workflow_id": md.id,
                "execution_id": created.metadata.id if created.metadata else "",
            },
        )


def _start_of(spec: wf.WorkflowSpec | None) -> EventStart | None:
    """The document's ``schedule.on``; None also for one stored before the check refused it."""
    try:
        return event_start_of(spec)
    except InvalidArgumentError:
        return None
