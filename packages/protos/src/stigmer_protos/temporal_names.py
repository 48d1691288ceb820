"""Temporal names both services rely on: the contract between stigmer-server and any runner."""

from __future__ import annotations

INTERPRETER_WORKFLOW_PREFIX = "workflow-exec-"
"""Prefix of the interpreter workflow id, as Stigmer's Go runner names it."""

EVENT_SIGNAL = "event"
"""Signal of the interpreter workflow carrying one CloudEvent (a JSON object) for ``listen``."""


def interpreter_workflow_id(execution_id: str) -> str:
    """The id of the interpreter workflow of an execution (one per execution, ever)."""
    return f"{INTERPRETER_WORKFLOW_PREFIX}{execution_id}"
