"""The Serverless Workflow DSL 1.0 interpreter on Temporal ("Python Zigflow").

Public API::

    ENGINE_WORKFLOW_NAME, REPORT_PROGRESS_ACTIVITY, EngineInput, TaskProgress, ProgressBatch,
    EngineResult, ExecuteServerlessWorkflow,
    engine_activities, SANDBOX_PASSTHROUGH, EngineConfig, SecretResolver, StaticSecrets,
    NoSecrets, EVENT_SIGNAL, PENDING_LISTENS_QUERY
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stigmer_protos.temporal_names import (
        EMIT_EVENT_ACTIVITY,
        ENGINE_WORKFLOW_NAME,
        GRPC_CALL_ACTIVITY,
        HTTP_CALL_ACTIVITY,
        OPENAPI_CALL_ACTIVITY,
        REPORT_PROGRESS_ACTIVITY,
        RUN_PROCESS_ACTIVITY,
    )

    from workflow_runner.engine.config import (
        EngineConfig,
        NoSecrets,
        SecretResolver,
        StaticSecrets,
    )
    from workflow_runner.engine.contract import (
        EVENT_SIGNAL,
        PENDING_LISTENS_QUERY,
        EngineInput,
        EngineResult,
        ProgressBatch,
        TaskProgress,
    )
    from workflow_runner.engine.workflow import (
        SANDBOX_PASSTHROUGH,
        ExecuteServerlessWorkflow,
        engine_activities,
    )

# Names load on first use (PEP 562): importing one part of the engine must not pay for the
# Temporal workflow, jq and every activity. Loading and checking documents is stigmer_dsl's.
_LAZY: dict[str, str] = {
    "EMIT_EVENT_ACTIVITY": "stigmer_protos.temporal_names",
    "ENGINE_WORKFLOW_NAME": "stigmer_protos.temporal_names",
    "EVENT_SIGNAL": "workflow_runner.engine.contract",
    "EngineConfig": "workflow_runner.engine.config",
    "EngineInput": "workflow_runner.engine.contract",
    "EngineResult": "workflow_runner.engine.contract",
    "ExecuteServerlessWorkflow": "workflow_runner.engine.workflow",
    "GRPC_CALL_ACTIVITY": "stigmer_protos.temporal_names",
    "HTTP_CALL_ACTIVITY": "stigmer_protos.temporal_names",
    "NoSecrets": "workflow_runner.engine.config",
    "OPENAPI_CALL_ACTIVITY": "stigmer_protos.temporal_names",
    "PENDING_LISTENS_QUERY": "workflow_runner.engine.contract",
    "ProgressBatch": "workflow_runner.engine.contract",
    "REPORT_PROGRESS_ACTIVITY": "stigmer_protos.temporal_names",
    "RUN_PROCESS_ACTIVITY": "stigmer_protos.temporal_names",
    "SANDBOX_PASSTHROUGH": "workflow_runner.engine.workflow",
    "SecretResolver": "workflow_runner.engine.config",
    "StaticSecrets": "workflow_runner.engine.config",
    "TaskProgress": "workflow_runner.engine.contract",
    "engine_activities": "workflow_runner.engine.workflow",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "EMIT_EVENT_ACTIVITY",
    "ENGINE_WORKFLOW_NAME",
    "EVENT_SIGNAL",
    "GRPC_CALL_ACTIVITY",
    "HTTP_CALL_ACTIVITY",
    "OPENAPI_CALL_ACTIVITY",
    "PENDING_LISTENS_QUERY",
    "REPORT_PROGRESS_ACTIVITY",
    "RUN_PROCESS_ACTIVITY",
    "SANDBOX_PASSTHROUGH",
    "EngineConfig",
    "EngineInput",
    "EngineResult",
    "ExecuteServerlessWorkflow",
    "NoSecrets",
    "ProgressBatch",
    "SecretResolver",
    "StaticSecrets",
    "TaskProgress",
    "engine_activities",
]
