"""Every top-level, document and task-level property of the 1.0.x schema survives DSL -> proto -> DSL.

The property lists are read from the spec's schema file (``schema/workflow.yaml``) and, for the
workflow's top level, also from the Workflow properties table of ``dsl-reference.md`` (the table
lists ``evaluate``, which the schema file leaves to its open top level). A property added to the
spec fails :func:`test_the_samples_use_every_property` until a sample uses it, so the converter
cannot silently drop it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stigmer_dsl.converter import dsl_to_workflow_spec, workflow_to_dsl
from stigmer_dsl.converter.kinds import COMMON_FIELDS
from stigmer_dsl.converter.yaml_io import load_yaml
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

SPEC_DIR = Path(__file__).resolve().parents[4].parent / "shared" / "spec"
SCHEMA_PATH = SPEC_DIR / "schema" / "workflow.yaml"
REFERENCE_PATH = SPEC_DIR / "dsl-reference.md"

Canon = Callable[[Any], str]
Validate = Callable[[dict[str, Any]], list[str]]

SCHEMA_DOC = {"format": "json", "document": {"type": "object"}}

# One value for each property every task has (the schema's `taskBase`).
TASK_BASE: dict[str, Any] = {
    "if": "${ .go }",
    "input": {"from": "${ .payload }", "schema": SCHEMA_DOC},
    "output": {"as": "${ .result }", "schema": SCHEMA_DOC},
    "export": {"as": "${ $context + {last: .} }", "schema": SCHEMA_DOC},
    "timeout": {"after": {"seconds": 30}},
    "then": "continue",
    "metadata": {"owner": "team-a", "tier": 2},
}

INNER = [{"inner": {"set": {"a": 1}}}]

# The type-specific properties of one sample task per task variant of the schema, by title.
TASK_SAMPLES: dict[str, dict[str, Any]] = {
    "CallAsyncAPI": {
        "call": "asyncapi",
        "with": {
            "document": {"endpoint": "https://example.com/asyncapi.json"},
            "operation": "notify",
            "protocol": "http",
            "message": {"payload": {"greeting": "hi"}},
        },
    },
    "CallGRPC": {
        "call": "grpc",
        "with": {
            "proto": {"endpoint": "file:///app/greet.proto"},
            "service": {"name": "GreeterApi.Greeter", "host": "localhost", "port": 5011},
            "method": "SayHello",
            "arguments": {"name": "${ .user.preferredDisplayName }"},
        },
    },
    "CallHTTP": {
        "call": "http",
        "with": {
            "method": "post",
            "endpoint": {"uri": "https://example.com/pets/{petId}"},
            "headers": {"x-n": "1"},
            "query": {"limit": "10"},
            "body": {"name": "Rex"},
            "output": "response",
        },
    },
    "CallOpenAPI": {
        "call": "openapi",
        "with": {
            "document": {"endpoint": "https://petstore.swagger.io/v2/swagger.json"},
            "operationId": "findPetsByStatus",
            "parameters": {"status": "available"},
        },
    },
    "CallA2A": {
        "call": "a2a",
        "with": {
            "agentCard": {"endpoint": "https://example.com/.well-known/agent.json"},
            "method": "message/send",
            "parameters": {"message": {"role": "user", "parts": [{"kind": "text", "text": "hi"}]}},
        },
    },
    "CallMCP": {
        "call": "mcp",
        "with": {
            "method": "tools/call",
            "parameters": {"name": "search", "arguments": {"q": "x"}},
            "transport": {"http": {"endpoint": "https://example.com/mcp"}},
        },
    },
    "CallFunction": {"call": "greet", "with": {"name": "${ .name }"}},
    "DoTask": {"do": INNER},
    "ForkTask": {"fork": {"compete": True, "branches": INNER}},
    "EmitTask": {"emit": {"event": {"with": {"source": "https://example.com", "type": "t"}}}},
    "ForTask": {
        "for": {"each": "pet", "in": "${ .pets }", "at": "i"},
        "while": "${ .count < 10 }",
        "do": INNER,
    },
    "ListenTask": {
        "listen": {"to": {"one": {"with": {"type": "com.example.t"}}}, "read": "envelope"},
        "foreach": {"item": "event", "at": "i", "do": INNER},
    },
    "RaiseTask": {"raise": {"error": {"type": "https://example.com/errors/x", "status": 400}}},
    "RunTask": {"run": {"shell": {"command": "echo hi"}, "await": True, "return": "all"}},
    "SetTask": {"set": {"a": [1, "two", None, {"b": False}]}},
    "SwitchTask": {
        "switch": [{"big": {"when": "${ .n > 10 }", "then": "end"}}, {"other": {"then": "exit"}}]
    },
    "TryTask": {
        "try": INNER,
        "catch": {
            "errors": {"with": {"type": "https://serverlessworkflow.io/spec/1.0.0/errors/runtime"}},
            "as": "failure",
            "when": "${ .status == 503 }",
            "exceptWhen": "${ .status == 400 }",
            "retry": {"delay": {"seconds": 1}, "limit": {"attempt": {"count": 3}}},
            "do": INNER,
        },
    },
    "WaitTask": {"wait": {"seconds": 2}},
}

# One value for each top-level workflow property other than `document` and `do`.
TOP_LEVEL: dict[str, Any] = {
    "input": {"schema": SCHEMA_DOC, "from": "${ .in }"},
    "use": {
        "functions": {"greet": {"set": {"hello": "${ .name }"}}},
        "timeouts": {"short": {"after": "PT5S"}},
        "errors": {"bad": {"type": "https://example.com/bad", "status": 400}},
        "secrets": ["apiKey"],
    },
    "timeout": "short",
    "output": {"as": "${ .out }", "schema": SCHEMA_DOC},
    "schedule": {"every": {"minutes": 5}},
    "evaluate": {"language": "jq", "mode": "strict"},
}

DOCUMENT: dict[str, Any] = {
    "dsl": "1.0.0-alpha5",
    "namespace": "test",
    "name": "every-property",
    "version": "0.1.0",
    "title": "Every property",
    "summary": "# Every property",
    "tags": {"team": "a"},
    "metadata": {"n": 1, "nested": {"ok": True}},
}


def _schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"DSL schema not found at {SCHEMA_PATH} (needs ../shared/spec)")
    schema: dict[str, Any] = load_yaml(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _properties(node: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """The property names a task definition allows (its own and its ``allOf`` parts)."""
    found = set(node.get("properties", {}))
    for part in node.get("allOf", []):
        if "$ref" in part:
            found |= _properties(defs[part["$ref"].rsplit("/", 1)[-1]], defs)
        found |= set(part.get("properties", {}))
    return found


def task_variants() -> dict[str, set[str]]:
    """Each task variant of the schema (by title) and the properties it allows."""
    schema = _schema()
    defs = schema["$defs"]
    variants: dict[str, set[str]] = {}
    for ref in defs["task"]["oneOf"]:
        node = defs[ref["$ref"].rsplit("/", 1)[-1]]
        alternatives = node["oneOf"] if "allOf" not in node and "oneOf" in node else [node]
        for alternative in alternatives:
            if "$ref" in alternative:
                alternative = defs[alternative["$ref"].rsplit("/", 1)[-1]]
            variants[alternative["title"]] = _properties(alternative, defs)
    return variants


def top_level_properties() -> set[str]:
    """The workflow's top-level properties: the schema's and dsl-reference.md's table."""
    names = set(_schema()["properties"])
    if REFERENCE_PATH.is_file():
        text = REFERENCE_PATH.read_text(encoding="utf-8")
        section = text.split("### Workflow", 1)[1].split("#### Document", 1)[0]
        names |= set(re.findall(r"^\| (\w+) \|", section, re.M)) - {"Name"}
    return names


def _document(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"document": DOCUMENT, **TOP_LEVEL, "do": tasks}


def test_the_samples_use_every_property() -> None:
    variants = task_variants()
    assert set(TASK_SAMPLES) == set(variants)
    base = set(_schema()["$defs"]["taskBase"]["properties"])
    assert base == set(TASK_BASE) == set(COMMON_FIELDS)
    for title, allowed in variants.items():
        assert set(TASK_SAMPLES[title]) | base == allowed, title
    assert top_level_properties() == {"document", "do", *TOP_LEVEL}
    assert "evaluate" in top_level_properties()
    assert set(_schema()["properties"]["document"]["properties"]) == set(DOCUMENT)


def test_the_samples_are_schema_valid(validate_dsl: Validate) -> None:
    tasks = [{title: {**TASK_BASE, **body}} for title, body in TASK_SAMPLES.items()]
    assert validate_dsl(_document(tasks)) == []


@pytest.mark.parametrize("title", sorted(TASK_SAMPLES))
def test_every_task_property_round_trips(title: str, canon: Canon) -> None:
    task = {**TASK_BASE, **TASK_SAMPLES[title]}
    original = _document([{title: task}])
    spec = wf.WorkflowSpec.parse(bytes(dsl_to_workflow_spec(original)))
    back = workflow_to_dsl(spec)
    assert canon(back) == canon(original)
    ((name, converted),) = back["do"][0].items()
    assert name == title and set(converted) == set(task)


@pytest.mark.parametrize("name", sorted(TOP_LEVEL))
def test_every_top_level_property_round_trips(name: str, canon: Canon) -> None:
    original = {"document": DOCUMENT, name: TOP_LEVEL[name], "do": INNER}
    spec = wf.WorkflowSpec.parse(bytes(dsl_to_workflow_spec(original)))
    assert canon(workflow_to_dsl(spec)) == canon(original)


def test_a_whole_document_with_every_property_round_trips(canon: Canon) -> None:
    original = _document([{t: {**TASK_BASE, **b}} for t, b in TASK_SAMPLES.items()])
    spec = wf.WorkflowSpec.parse(bytes(dsl_to_workflow_spec(original)))
    assert canon(workflow_to_dsl(spec)) == canon(original)
