"""Every task kind of the spec's schema is a unit: run by the engine or refused at load.

The kinds are enumerated from the DSL schema bundled in ``stigmer_dsl`` (``$defs/task``, the
``call`` variants and the ``run`` variants). Each must be registered in the library's registry
(:data:`stigmer_dsl.kinds.REGISTRY`) with its DSL spelling and proto mapping, and either have a
static check and a handler in the runner, or be refused at load with its reason. A kind the
schema adds fails here until its module exists in both places, or it is refused by name.
"""

from __future__ import annotations

from typing import Any

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.converter.kinds import spec_for_dsl_task, spec_for_kind
from stigmer_dsl.kinds import REGISTRY, TaskKind
from stigmer_dsl.schema_validation import (
    dsl_schema,
    dsl_schema_problems,
)
from stigmer_dsl.yaml_io import parse_yaml
from stigmer_protos.ai.stigmer.commons.apiresource import WorkflowTaskKind
from workflow_runner.engine.tasks import HANDLERS

HEAD = "document: {dsl: '1.0.3', namespace: test, name: kinds, version: '1.0.0'}\ndo:\n"

# Kinds the schema defines that the engine refuses at load, a minimal document of each and
# the reason the loader gives.
REFUSED: dict[str, tuple[str, str]] = {
    "call.asyncapi": (
        "  - t: {call: asyncapi, with: {document: {endpoint: 'http://x/a.yaml'}, operation: op, message: {payload: {}}}}",
        "call 'asyncapi' is not supported yet",
    ),
    "call.a2a": (
        "  - t: {call: a2a, with: {method: message/send}}",
        "call 'a2a' is not supported yet",
    ),
    "call.mcp": (
        "  - t: {call: mcp, with: {method: tools/list, transport: {http: {endpoint: 'http://x/mcp'}}}}",
        "call 'mcp' is not supported yet",
    ),
    "run.container": (
        "  - t: {run: {container: {image: alpine}}}",
        "run: container is not supported",
    ),
}


def _properties(definition: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = dict(definition.get("properties", {}))
    for part in definition.get("allOf", []):
        found.update(part.get("properties", {}))
    return found


def schema_task_kinds() -> set[str]:
    """The task kinds of the DSL schema, named as the loader names them."""
    defs = dsl_schema()["$defs"]
    kinds: set[str] = set()
    for ref in defs["task"]["oneOf"]:
        name = ref["$ref"].rsplit("/", 1)[-1].removesuffix("Task")
        if name == "call":
            for variant in defs["callTask"]["oneOf"]:
                call = _properties(variant)["call"]
                kinds.add(f"call.{call['const']}" if "const" in call else "call.function")
        elif name == "run":
            run = _properties(defs["runTask"])["run"]
            kinds.update(f"run.{variant['required'][0]}" for variant in run["oneOf"])
        else:
            kinds.add(name)
    return kinds


def test_the_schema_kinds_are_found() -> None:
    kinds = schema_task_kinds()
    assert {"set", "call.http", "call.function", "run.shell", "try", "wait"} <= kinds
    assert len(kinds) == 21


def _spelled(kind: TaskKind) -> dict[str, Any]:
    """A task object of ``kind`` with its identifying keys only."""
    if kind.key == "call":
        return {"call": kind.variant or "myFunction"}
    return {kind.key: {kind.variant: {}} if kind.variant else {}}


def _registered(kind_id: str) -> TaskKind:
    kind = REGISTRY.get(kind_id)
    assert kind is not None, f"{kind_id} has no module in stigmer_dsl.kinds"
    assert kind.in_dsl
    return kind


@pytest.mark.parametrize("kind_id", sorted(schema_task_kinds()))
def test_each_schema_kind_is_registered_with_its_spelling_and_mapping(kind_id: str) -> None:
    kind = _registered(kind_id)
    assert REGISTRY.of_task(_spelled(kind)) is kind
    proto = WorkflowTaskKind[kind.mapping.proto]
    spec = spec_for_kind(proto)
    assert spec is not None and spec.key == kind.key
    assert spec_for_dsl_task(_spelled(kind)) is spec


@pytest.mark.parametrize("kind_id", sorted(schema_task_kinds()))
def test_each_schema_kind_is_run_or_refused_at_load(kind_id: str) -> None:
    kind = _registered(kind_id)
    if kind_id not in REFUSED:
        assert kind.runs and kind.check is not None
        assert kind_id in HANDLERS
        return
    assert not kind.runs and kind_id not in HANDLERS
    body, reason = REFUSED[kind_id]
    assert kind.refusal is not None and reason in kind.refusal
    text = HEAD + body + "\n"
    assert dsl_schema_problems(parse_yaml(text)) == []  # refused by the engine, not the schema
    with pytest.raises(DefinitionError) as info:
        load_workflow(text)
    assert any(reason in problem for problem in info.value.problems), info.value.problems


def test_the_library_and_the_runner_know_the_same_kinds() -> None:
    # call.activity is the engine's own (a function call by the schema's reading).
    assert set(REGISTRY.running) == set(HANDLERS)
    assert set(REGISTRY.running) - schema_task_kinds() == {"call.activity"}
    in_dsl = {kind.id for kind in REGISTRY.kinds if kind.in_dsl}
    assert in_dsl == schema_task_kinds() | {"call.activity"}
