"""The one mapping from DSL task kinds to Stigmer's coarse ``WorkflowTaskType``."""

from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

_T = wex.WorkflowTaskType

_BY_PREFIX: tuple[tuple[str, wex.WorkflowTaskType], ...] = (
    ("call.agent", _T.WORKFLOW_TASK_AGENT_INVOCATION),
    ("call.activity", _T.WORKFLOW_TASK_CUSTOM),
    ("call", _T.WORKFLOW_TASK_API_CALL),
    ("emit", _T.WORKFLOW_TASK_API_CALL),
    ("set", _T.WORKFLOW_TASK_TRANSFORM),
    ("switch", _T.WORKFLOW_TASK_CONDITIONAL),
    ("fork", _T.WORKFLOW_TASK_PARALLEL),
    ("listen", _T.WORKFLOW_TASK_APPROVAL),
)


def task_type_for(kind: str) -> wex.WorkflowTaskType:
    """Map an engine task kind (``set``, ``call.http``, ``for.iteration`` ...) to a task type.

    Kinds with no closer Stigmer type (do, for, try, raise, wait, run) are CUSTOM.
    """
    for prefix, task_type in _BY_PREFIX:
        if kind == prefix or kind.startswith(prefix + "."):
            return task_type
    return _T.WORKFLOW_TASK_CUSTOM
