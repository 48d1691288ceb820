"""The per-class cache of betterproto2 type hints (stigmer_protos.type_hints)."""

from __future__ import annotations

import typing

import betterproto2
from stigmer_protos import type_hints
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex


def test_importing_the_package_installs_the_cache() -> None:
    first = wex.WorkflowExecution._type_hints()
    assert wex.WorkflowExecution._type_hints() is first
    assert wex.WorkflowExecutionStatus._type_hints() is not first


def test_installing_again_keeps_one_cache() -> None:
    before = betterproto2.Message.__dict__["_type_hints"]
    type_hints.install()
    assert betterproto2.Message.__dict__["_type_hints"] is before


def test_cached_hints_are_the_resolved_annotations() -> None:
    module = __import__(wex.WorkflowExecutionStatus.__module__, fromlist=["_"])
    resolved = typing.get_type_hints(wex.WorkflowExecutionStatus, module.__dict__, {})
    assert wex.WorkflowExecutionStatus._type_hints() == resolved


def test_messages_convert_as_before() -> None:
    status = wex.WorkflowExecutionStatus(
        phase=wex.ExecutionPhase.EXECUTION_IN_PROGRESS,
        tasks=[wex.WorkflowTask(task_id="/do/0/a", task_name="a")],
    )
    as_dict = status.to_dict()
    assert as_dict == {
        "phase": "EXECUTION_IN_PROGRESS",
        "tasks": [{"taskId": "/do/0/a", "taskName": "a"}],
    }
    assert wex.WorkflowExecutionStatus.from_dict(as_dict) == status
    assert wex.WorkflowExecutionStatus.parse(bytes(status)) == status
