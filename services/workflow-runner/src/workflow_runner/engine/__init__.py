"""The Serverless Workflow DSL 1.0 interpreter on Temporal ("Python Zigflow").

Public API::

    ENGINE_WORKFLOW_NAME, REPORT_PROGRESS_ACTIVITY, EngineInput, TaskProgress, ProgressBatch,
    EngineResult, load_workflow, WorkflowDefinition, DefinitionError, ExecuteServerlessWorkflow,
    engine_activities, SANDBOX_PASSTHROUGH
"""

from __future__ import annotations

from workflow_runner.engine.contract import (
    ENGINE_WORKFLOW_NAME,
    HTTP_CALL_ACTIVITY,
    REPORT_PROGRESS_ACTIVITY,
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
    "ENGINE_WORKFLOW_NAME",
    "HTTP_CALL_ACTIVITY",
    "REPORT_PROGRESS_ACTIVITY",
    "SANDBOX_PASSTHROUGH",
    "DefinitionError",
    "EngineInput",
    "EngineResult",
    "ExecuteServerlessWorkflow",
    "ProgressBatch",
    "TaskProgress",
    "WorkflowDefinition",
    "engine_activities",
    "load_workflow",
]
