"""Stigmer's coarse ``WorkflowTaskType`` of a progress row, from the library's task kinds."""

from __future__ import annotations

from stigmer_dsl.kinds import REGISTRY
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex


def task_type_for(kind: str) -> wex.WorkflowTaskType:
    """Map an engine task kind (``set``, ``call.http``, ``for.iteration`` ...) to a task type.

    Each kind's module names its type (:attr:`stigmer_dsl.kinds.TaskKind.task_type`); a row of
    a part of a task (``for.iteration``) has its task's type; kinds with no closer Stigmer type
    (do, for, try, raise, wait, run) are CUSTOM.
    """
    return wex.WorkflowTaskType[REGISTRY.task_type(kind)]
