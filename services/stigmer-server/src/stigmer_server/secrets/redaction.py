"""What API responses, event streams and workflow inputs show of a secret: a placeholder."""

from __future__ import annotations

import copy

from stigmer_protos.ai.stigmer.agentic.environment.v1 import EnvironmentSpec, EnvironmentValue
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

REDACTED = "<redacted>"
"""Shown instead of every secret value. Sent back on apply/update, it keeps the stored value."""


def has_secrets(spec: wex.WorkflowExecutionSpec | None) -> bool:
    """Whether ``spec`` holds a secret ``runtime_env`` value (one :func:`redact_execution` hides)."""
    return spec is not None and any(v.is_secret for v in spec.runtime_env.values())


def redact_execution(execution: wex.WorkflowExecution) -> wex.WorkflowExecution:
    """A copy of ``execution`` whose secret ``runtime_env`` values read :data:`REDACTED`."""
    spec = execution.spec
    if spec is None or not has_secrets(spec):
        return execution
    # Only the spec changes: the status (maybe hundreds of task rows) is shared, not copied.
    redacted = copy.copy(execution)
    redacted.spec = copy.deepcopy(spec)
    env = redacted.spec.runtime_env
    for name, value in env.items():
        if value.is_secret:
            env[name] = ExecutionValue(value=REDACTED, is_secret=True)
    return redacted


def env_has_secrets(env: EnvironmentSpec | None) -> bool:
    """Whether ``env`` holds a secret value (one :func:`redact_workflow` hides)."""
    return env is not None and any(v.is_secret for v in env.data.values())


def redact_workflow(workflow: wf.Workflow) -> wf.Workflow:
    """A copy of ``workflow`` whose secret ``env_spec`` values read :data:`REDACTED`."""
    env = workflow.spec.env_spec if workflow.spec else None
    if env is None or not env_has_secrets(env):
        return workflow
    redacted = copy.deepcopy(workflow)
    assert redacted.spec is not None and redacted.spec.env_spec is not None
    data = redacted.spec.env_spec.data
    for name, value in data.items():
        if value.is_secret:
            data[name] = EnvironmentValue(
                value=REDACTED, is_secret=True, description=value.description
            )
    return redacted
