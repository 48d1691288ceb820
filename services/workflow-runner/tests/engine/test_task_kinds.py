"""Every task kind of the spec's schema is run by the engine or refused at load with a reason.

The kinds are enumerated from the DSL schema (``$defs/task``, the ``call`` variants and the
``run`` variants), so a kind the schema adds fails here until the loader and the handlers know
it, or the loader refuses it by name.
"""

from __future__ import annotations

from typing import Any

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.loader import SUPPORTED_KINDS
from stigmer_dsl.schema_validation import (
    dsl_schema,
    dsl_schema_problems,
)
from stigmer_dsl.yaml_io import parse_yaml
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
    "run.workflow": (
        "  - t: {run: {workflow: {namespace: a, name: b, version: '1.0.0'}}}",
        "run: workflow is not supported yet",
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


@pytest.mark.parametrize("kind", sorted(schema_task_kinds()))
def test_each_schema_kind_is_run_or_refused_at_load(kind: str) -> None:
    if kind not in REFUSED:
        assert kind in SUPPORTED_KINDS
        assert kind in HANDLERS
        return
    assert kind not in SUPPORTED_KINDS and kind not in HANDLERS
    body, reason = REFUSED[kind]
    text = HEAD + body + "\n"
    assert dsl_schema_problems(parse_yaml(text)) == []  # refused by the engine, not the schema
    with pytest.raises(DefinitionError) as info:
        load_workflow(text)
    assert any(reason in problem for problem in info.value.problems), info.value.problems


def test_the_loader_and_the_handlers_know_the_same_kinds() -> None:
    # call.activity is the engine's own (a function call by the schema's reading).
    assert set(SUPPORTED_KINDS) == set(HANDLERS)
    assert set(SUPPORTED_KINDS) - schema_task_kinds() == {"call.activity"}
