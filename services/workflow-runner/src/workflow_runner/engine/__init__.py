"""The Serverless Workflow DSL 1.0 interpreter on Temporal ("Python Zigflow").

Public API::

    ENGINE_WORKFLOW_NAME, REPORT_PROGRESS_ACTIVITY, EngineInput, TaskProgress, ProgressBatch,
    EngineResult, load_workflow, WorkflowDefinition, DefinitionError, ExecuteServerlessWorkflow,
    engine_activities, SANDBOX_PASSTHROUGH, EngineConfig, SecretResolver, StaticSecrets,
    NoSecrets, EVENT_SIGNAL, PENDING_LISTENS_QUERY
"""

from __future__ import annotations

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
