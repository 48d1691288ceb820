"""The task kinds' registry: registered once, looked up as the loader and converter need."""

from __future__ import annotations

from dataclasses import replace

import pytest
from stigmer_dsl.kinds import REGISTRY, Registry, set_, wait

# The task types of the progress kinds before the kinds became modules (task_types._BY_PREFIX).
TASK_TYPES = {
    "call.http": "WORKFLOW_TASK_API_CALL",
    "call.grpc": "WORKFLOW_TASK_API_CALL",
    "call.openapi": "WORKFLOW_TASK_API_CALL",
    "call.function": "WORKFLOW_TASK_API_CALL",
    "call.asyncapi": "WORKFLOW_TASK_API_CALL",
    "call.activity": "WORKFLOW_TASK_CUSTOM",
    "call.agent": "WORKFLOW_TASK_AGENT_INVOCATION",
    "emit": "WORKFLOW_TASK_API_CALL",
    "set": "WORKFLOW_TASK_TRANSFORM",
    "switch": "WORKFLOW_TASK_CONDITIONAL",
    "fork": "WORKFLOW_TASK_PARALLEL",
    "listen": "WORKFLOW_TASK_APPROVAL",
    "for": "WORKFLOW_TASK_CUSTOM",
    "for.iteration": "WORKFLOW_TASK_CUSTOM",
    "do": "WORKFLOW_TASK_CUSTOM",
    "try": "WORKFLOW_TASK_CUSTOM",
    "raise": "WORKFLOW_TASK_CUSTOM",
    "wait": "WORKFLOW_TASK_CUSTOM",
    "run.shell": "WORKFLOW_TASK_CUSTOM",
    "run.script": "WORKFLOW_TASK_CUSTOM",
    "unknown": "WORKFLOW_TASK_CUSTOM",
}


@pytest.mark.parametrize(("kind", "task_type"), sorted(TASK_TYPES.items()))
def test_each_progress_kind_keeps_its_task_type(kind: str, task_type: str) -> None:
    assert REGISTRY.task_type(kind) == task_type


def test_a_kind_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        Registry([set_.KIND, wait.KIND, set_.KIND])


def test_two_kinds_with_one_spelling_are_refused() -> None:
    with pytest.raises(ValueError, match="share a DSL spelling"):
        Registry([set_.KIND, replace(wait.KIND, key="set")])


def test_two_mappings_of_one_proto_kind_are_refused() -> None:
    other = replace(wait.KIND.mapping, proto="SET")
    with pytest.raises(ValueError, match="claim WorkflowTaskKind SET"):
        Registry([set_.KIND, replace(wait.KIND, mapping=other)])


def test_a_key_that_is_a_sub_list_of_another_kind_is_looked_for_last() -> None:
    # A `for` task has a `do`; it must not be taken for a `do` task.
    assert REGISTRY.key_order[-1] == "do"
    kind = REGISTRY.of_task({"for": {"in": "${ . }"}, "do": []})
    assert kind is not None and kind.id == "for"


@pytest.mark.parametrize(
    ("task", "kind_id"),
    [
        ({"call": "http"}, "call.http"),
        ({"call": "myFunction"}, "call.function"),
        ({"call": "agent"}, "call.function"),  # Stigmer's agent kind has no DSL spelling
        ({"run": {"shell": {"command": "ls"}}}, "run.shell"),
        ({"run": {"workflow": {}}}, "run.workflow"),
    ],
)
def test_tasks_are_told_apart_by_their_spelling(task: dict[str, object], kind_id: str) -> None:
    kind = REGISTRY.of_task(task)
    assert kind is not None and kind.id == kind_id


def test_a_task_without_a_kind_key_has_no_kind() -> None:
    assert REGISTRY.of_task({"then": "end"}) is None


def test_refused_calls_name_the_calls_that_run() -> None:
    kind = REGISTRY.get("call.mcp")
    assert kind is not None
    assert REGISTRY.refusal(kind) == (
        "call 'mcp' is not supported yet (supported: http, openapi, grpc, activity, use.functions)"
    )
