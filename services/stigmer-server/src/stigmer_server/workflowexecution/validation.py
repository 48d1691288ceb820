"""Validation of WorkflowExecution specs and status updates."""

from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.domain.validation import MAX_ID_CHARS, check_enum
from stigmer_server.errors import InvalidArgumentError


def check_spec(spec: wex.WorkflowExecutionSpec | None) -> wex.WorkflowExecutionSpec:
    """Check the execution spec: a workflow or instance id, non-empty runtime values.

    Raises:
        InvalidArgumentError: Naming the offending field.
    """
    if spec is None or not (spec.workflow_id or spec.workflow_instance_id):
        raise InvalidArgumentError(
            "spec.workflow_id", "either spec.workflow_id or spec.workflow_instance_id is required"
        )
    for field in ("workflow_id", "workflow_instance_id"):
        if len(getattr(spec, field)) > MAX_ID_CHARS:
            raise InvalidArgumentError(f"spec.{field}", f"must be at most {MAX_ID_CHARS} chars")
    if spec.input_value is not None and (spec.input is not None or spec.input_upload_id):
        raise InvalidArgumentError("spec.input_value", "cannot be used with spec.input")
    for key, value in spec.runtime_env.items():
        if not value.value:
            raise InvalidArgumentError(f"spec.runtime_env[{key}].value", "required")
    return spec


def check_status(status: wex.WorkflowExecutionStatus | None) -> wex.WorkflowExecutionStatus:
    """Check a status update: known enum values, every task identified by ``task_id``.

    Raises:
        InvalidArgumentError: Naming the offending field.
    """
    if status is None:
        raise InvalidArgumentError("status", "required")
    check_enum(status.phase, wex.ExecutionPhase, "status.phase")
    for i, task in enumerate(status.tasks):
        if not task.task_id:
            raise InvalidArgumentError(f"status.tasks[{i}].task_id", "required")
        check_enum(task.status, wex.WorkflowTaskStatus, f"status.tasks[{i}].status")
        check_enum(task.task_type, wex.WorkflowTaskType, f"status.tasks[{i}].task_type")
    return status
