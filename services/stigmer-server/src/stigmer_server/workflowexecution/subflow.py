"""Subflows (``run: workflow``, ADR 0036): the child's identity, labels and depth rule."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.domain.validation import require
from stigmer_server.errors import FailedPreconditionError, InvalidArgumentError

DOCUMENT_METADATA = "stigmer.subflow.document"
"""``trigger_metadata`` key of a subflow: the document it runs, ``namespace/name:version``."""

PARENT_METADATA = "stigmer.subflow.parent"
"""``trigger_metadata`` key of a subflow: its parent execution id."""


def check_request(request: wex.WorkflowExecutionCreateSubflowInput) -> str:
    """Check a ``createSubflow`` request; return the document label it names.

    Raises:
        InvalidArgumentError: A missing field, named.
    """
    require(request.parent_execution_id, "parent_execution_id")
    require(request.parent_task_id, "parent_task_id")
    require(request.call_id, "call_id")
    for field in ("namespace", "name", "version"):
        require(getattr(request, field), field)
    return document_label(request.namespace, request.name, request.version)


def document_label(namespace: str, name: str, version: str) -> str:
    """How errors and the child's metadata name a document: ``namespace/name:version``."""
    return f"{namespace}/{name}:{version}"


def subflow_slug(parent_id: str, call_id: str) -> str:
    """The child's slug: one per (parent, call), so a retried request finds the first child."""
    digest = hashlib.sha256(call_id.encode()).hexdigest()[:20]
    return f"{parent_id}-sub-{digest}"


def label_of(execution: wex.WorkflowExecution) -> str:
    """The document an execution runs, as far as its record tells (its workflow id otherwise)."""
    spec = execution.spec or wex.WorkflowExecutionSpec()
    return spec.trigger_metadata.get(DOCUMENT_METADATA) or spec.workflow_id


async def check_depth(
    parent: wex.WorkflowExecution,
    wanted: str,
    max_depth: int,
    load: Callable[[str], Awaitable[wex.WorkflowExecution | None]],
) -> None:
    """Refuse a subflow of ``parent`` that would nest deeper than ``max_depth``.

    The chain is read up through ``parent_execution_id`` (at most ``max_depth`` reads).

    Raises:
        FailedPreconditionError: The limit is reached; the message names the chain, and says so
            when ``wanted`` is already in it (a document calling itself without end).
    """
    chain = [label_of(parent)]
    current: wex.WorkflowExecution | None = parent
    while current is not None and len(chain) <= max_depth:
        parent_id = (current.spec or wex.WorkflowExecutionSpec()).parent_execution_id
        if not parent_id:
            return
        current = await load(parent_id)
        if current is not None:
            chain.insert(0, label_of(current))
    if current is None:
        return
    path = " -> ".join([*chain, wanted])
    cycle = " (a cycle: the document calls itself)" if wanted in chain else ""
    raise FailedPreconditionError(
        f"subflow depth limit {max_depth} reached{cycle}: {path}; "
        "STIGMER_SUBFLOW_MAX_DEPTH sets the limit"
    )


def refuse_client_link(spec: wex.WorkflowExecutionSpec) -> None:
    """A client's ``create`` may not link an execution to a parent (the server does).

    Raises:
        InvalidArgumentError: ``spec.parent_execution_id`` or ``spec.parent_task_id`` is set.
    """
    for field in ("parent_execution_id", "parent_task_id"):
        if getattr(spec, field):
            raise InvalidArgumentError(f"spec.{field}", "is set by the server for subflows only")
