"""Build the DSL workflow input (``$input``) of an execution from its spec."""

from __future__ import annotations

from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.json_values import whole_numbers

from workflow_runner.engine.contract import StartAt


def workflow_input(spec: wex.WorkflowExecutionSpec, uploaded: dict[str, Any] | None = None) -> Any:
    """Return the DSL workflow input of an execution.

    ``spec.input_value`` (any JSON value, e.g. the events that started the execution) is the
    input as it is.

    The structured ``spec.input`` (additive field), or ``uploaded`` (the input the record
    holds by reference, ``spec.input_reference``, fetched), is the base object; Stigmer's
    ``trigger_message`` and ``trigger_metadata`` are added as ``message`` and ``metadata``
    unless the structured input already defines those keys (see docs/adr/0006).
    """
    if spec.input_value is not None and uploaded is None:
        return whole_numbers(spec.input_value.to_dict())
    data: dict[str, Any]
    if uploaded is not None:
        data = uploaded
    else:
        data = whole_numbers(spec.input.to_dict()) if spec.input is not None else {}
    if spec.trigger_message:
        data.setdefault("message", spec.trigger_message)
    if spec.trigger_metadata:
        data.setdefault("metadata", dict(spec.trigger_metadata))
    return data


def start_at_of(spec: wex.WorkflowExecutionSpec) -> StartAt | None:
    """Where a re-run starts (``spec.rerun_*``, set by the server), or None for a normal run."""
    if not spec.rerun_from_task:
        return None
    data = whole_numbers(spec.rerun_input.to_dict()) if spec.rerun_input is not None else None
    context = whole_numbers(spec.rerun_context.to_dict()) if spec.rerun_context is not None else {}
    return StartAt(task=spec.rerun_from_task, data=data, context=context)
