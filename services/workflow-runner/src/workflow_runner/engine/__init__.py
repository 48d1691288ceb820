"""The Serverless Workflow DSL 1.0 interpreter on Temporal ("Python Zigflow").

Public API::

    ENGINE_WORKFLOW_NAME, REPORT_PROGRESS_ACTIVITY, EngineInput, TaskProgress, ProgressBatch,
    EngineResult, load_workflow, WorkflowDefinition, DefinitionError, ExecuteServerlessWorkflow,
    engine_activities, SANDBOX_PASSTHROUGH, EngineConfig, SecretResolver, StaticSecrets,
    NoSecrets, EVENT_SIGNAL, PENDING_LISTENS_QUERY
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow_runner.engine.config import (
        EngineConfig,
        NoSecrets,
        SecretResolver,
        StaticSecrets,
    )
    from workflow_runner.engine.contract import (
        EMIT_EVENT_ACTIVITY,
        ENGINE_WORKFLOW_NAME,
        EVENT_SIGNAL,
        GRPC_CALL_ACTIVITY,
        HTTP_CALL_ACTIVITY,
        OPENAPI_CALL_ACTIVITY,
        PENDING_LISTENS_QUERY,
        REPORT_PROGRESS_ACTIVITY,
        RUN_PROCESS_ACTIVITY,
        EngineInput,
        EngineResult,
        ProgressBatch,
        TaskProgress,
    )
    from workflow_runner.engine.errors import DefinitionError
    from workflow_runner.engine.loader import WorkflowDefinition, load_workflow
    from workflow_runner.engine.workflow import (
        SANDBOX_PASSTHROUGH,
        ExecuteServerlessWorkflow,
        engine_activities,
    )

# Names load on first use (PEP 562): the converter and the CLI import small parts of the engine
# (errors, yaml_io) and must not pay for the Temporal workflow, jq and every activity.
_LAZY: dict[str, str] = {
    "DefinitionError": "workflow_runner.engine.errors",
    "EMIT_EVENT_ACTIVITY": "workflow_runner.engine.contract",
    "ENGINE_WORKFLOW_NAME": "workflow_runner.engine.contract",
    "EVENT_SIGNAL": "workflow_runner.engine.contract",
    "EngineConfig": "workflow_runner.engine.config",
    "EngineInput": "workflow_runner.engine.contract",
    "EngineResult": "workflow_runner.engine.contract",
    "ExecuteServerlessWorkflow": "workflow_runner.engine.workflow",
    "GRPC_CALL_ACTIVITY": "workflow_runner.engine.contract",
    "HTTP_CALL_ACTIVITY": "workflow_runner.engine.contract",
    "NoSecrets": "workflow_runner.engine.config",
    "OPENAPI_CALL_ACTIVITY": "workflow_runner.engine.contract",
    "PENDING_LISTENS_QUERY": "workflow_runner.engine.contract",
    "ProgressBatch": "workflow_runner.engine.contract",
    "REPORT_PROGRESS_ACTIVITY": "workflow_runner.engine.contract",
    "RUN_PROCESS_ACTIVITY": "workflow_runner.engine.contract",
    "SANDBOX_PASSTHROUGH": "workflow_runner.engine.workflow",
    "SecretResolver": "workflow_runner.engine.config",
    "StaticSecrets": "workflow_runner.engine.config",
    "TaskProgress": "workflow_runner.engine.contract",
    "WorkflowDefinition": "workflow_runner.engine.loader",
    "engine_activities": "workflow_runner.engine.workflow",
    "load_workflow": "workflow_runner.engine.loader",
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
    "DefinitionError",
    "EngineConfig",
    "EngineInput",
    "EngineResult",
    "ExecuteServerlessWorkflow",
    "NoSecrets",
    "ProgressBatch",
    "SecretResolver",
    "StaticSecrets",
    "TaskProgress",
    "WorkflowDefinition",
    "engine_activities",
    "load_workflow",
]
