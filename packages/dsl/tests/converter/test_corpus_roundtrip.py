"""Every example and CTK workflow goes DSL -> proto -> DSL unchanged in meaning.

``corpus_workflow`` is parametrized in conftest.py over spec/examples/* and every workflow
docstring of spec/ctk/features/*.feature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from stigmer_dsl.converter import (
    dsl_to_workflow_spec,
    load_yaml,
    workflow_to_dsl,
    workflow_to_yaml,
)
from stigmer_dsl.converter.kinds import spec_for_dsl_task
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

Canon = Callable[[Any], str]
Validate = Callable[[dict[str, Any]], list[str]]


def test_corpus_is_complete(corpus: list[Any]) -> None:
    if not corpus:
        pytest.skip("spec corpus not found (needs ../shared/spec beside the repo)")
    assert sum(w.id.startswith("examples/") for w in corpus) >= 60
    assert sum(w.id.startswith("ctk/") for w in corpus) >= 21


def test_yaml_proto_yaml_round_trip(corpus_workflow: Any, canon: Canon) -> None:
    original = load_yaml(corpus_workflow.text)

    spec = dsl_to_workflow_spec(corpus_workflow.text)
    # Through the wire format and back to YAML text, as the runner will see it.
    decoded = wf.WorkflowSpec.parse(bytes(spec))
    text = workflow_to_yaml(decoded)

    assert canon(load_yaml(text)) == canon(original)
    assert canon(workflow_to_dsl(spec)) == canon(original)


def test_round_trip_output_is_schema_valid(corpus_workflow: Any, validate_dsl: Validate) -> None:
    original = load_yaml(corpus_workflow.text)
    if validate_dsl(original):
        pytest.skip("the corpus document itself is not schema-valid")
    assert validate_dsl(workflow_to_dsl(dsl_to_workflow_spec(original))) == []


def _kinds_in(tasks: list[Any], found: set[str]) -> None:
    for item in tasks:
        ((_, task),) = item.items()
        spec = spec_for_dsl_task(task)
        assert spec is not None
        found.add(spec.label)
        for path in spec.task_lists:
            node: Any = task
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, list):
                _kinds_in(node, found)


def test_corpus_covers_the_dsl_kinds(corpus: list[Any]) -> None:
    if not corpus:
        pytest.skip("spec corpus not found (needs ../shared/spec beside the repo)")
    found: set[str] = set()
    for workflow in corpus:
        _kinds_in(load_yaml(workflow.text)["do"], found)
    expected = {
        "SET", "HTTP_CALL", "GRPC_CALL", "SWITCH", "FOR", "FORK", "TRY", "LISTEN", "WAIT",
        "RAISE", "RUN", "EMIT", "DO", "CALL_OPENAPI", "CALL_ASYNCAPI", "CALL_FUNCTION",
        "CALL_MCP",
    }  # fmt: skip
    assert expected <= found


def test_nested_tasks_are_workflow_task_objects() -> None:
    spec = dsl_to_workflow_spec(
        """
document: {dsl: '1.0.0', namespace: ns, name: n, version: '1.0.0'}
do:
  - loop:
      for: {each: item, in: '${ .items }'}
      do:
        - inner:
            set: {x: '${ $item }'}
            then: end
"""
    )
    config = spec.tasks[0].task_config
    assert config is not None
    assert config.to_dict()["do"] == [
        {
            "name": "inner",
            "kind": "WORKFLOW_TASK_KIND_SET",
            "taskConfig": {"set": {"x": "${ $item }"}},
            "flow": {"then": "end"},
        }
    ]
