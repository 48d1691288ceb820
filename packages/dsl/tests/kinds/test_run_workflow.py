"""``run: workflow``: the load-time check and the proto mapping both ways (ADR 0036)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.converter import dsl_to_workflow_spec, workflow_to_dsl
from stigmer_protos.ai.stigmer.commons.apiresource import WorkflowTaskKind as K


def _document(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "document": {"dsl": "1.0.0", "namespace": "t", "name": "parent", "version": "1.0.0"},
        "do": [{"child": task}],
    }


FULL = {
    "if": "${ .go }",
    "run": {
        "workflow": {
            "namespace": "billing",
            "name": "invoice",
            "version": "1.2.0",
            "input": {"id": "${ .id }", "fixed": [1, 2]},
        },
        "await": False,
    },
    "output": {"as": "${ . }"},
    "export": {"as": "${ $context + {started: true} }"},
    "then": "end",
}


def test_a_subflow_task_loads_as_its_own_kind() -> None:
    definition = load_workflow(yaml.safe_dump(_document(FULL)))
    assert [node.kind for node in definition.tasks] == ["run.workflow"]


def test_a_subflow_task_maps_to_the_run_kind_and_back_unchanged() -> None:
    spec = dsl_to_workflow_spec(_document(FULL))

    [task] = spec.tasks
    assert task.kind == K.RUN
    assert task.task_config is not None
    config = task.task_config.to_dict()
    assert config["run"]["workflow"]["name"] == "invoice"
    assert config["run"]["await"] is False
    assert workflow_to_dsl(spec)["do"] == [{"child": FULL}]


@pytest.mark.parametrize(
    ("workflow", "pointer", "message"),
    [
        ({"name": "n", "version": "1"}, "/do/0/child", "schema"),
        ({"namespace": "a", "version": "1"}, "/do/0/child", "schema"),
        ({"namespace": "a", "name": "n", "version": ""}, "/do/0/child/run/workflow/version", ""),
        (
            {"namespace": "a", "name": "${ .which }", "version": "1"},
            "/do/0/child/run/workflow/name",
            "must be a literal",
        ),
        (
            {"namespace": "a", "name": "n", "version": "1", "input": {"x": "${ .( }"}},
            "/do/0/child/run/workflow/input",
            "",
        ),
    ],
)
def test_a_bad_subflow_reference_is_refused_at_load(
    workflow: dict[str, Any], pointer: str, message: str
) -> None:
    with pytest.raises(DefinitionError) as info:
        load_workflow(yaml.safe_dump(_document({"run": {"workflow": workflow}})))

    assert any(pointer in problem and message in problem for problem in info.value.problems), (
        info.value.problems
    )
