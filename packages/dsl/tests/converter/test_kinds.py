"""Each WorkflowTaskKind in canonical form: proto -> YAML -> schema-valid DSL -> same proto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from stigmer_dsl.converter import (
    KIND_SPECS,
    dsl_to_workflow_spec,
    load_yaml,
    workflow_to_dsl,
    workflow_to_yaml,
)
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.commons.apiresource import WorkflowTaskKind as K
from stigmer_protos.google import protobuf as wkt

Validate = Callable[[dict[str, Any]], list[str]]

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"


def task_json(name: str, kind: K, config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A nested task as it appears inside task_config (WorkflowTask proto JSON)."""
    return {"name": name, "kind": f"WORKFLOW_TASK_KIND_{kind.name}", "taskConfig": config, **extra}


SET_X = task_json("setX", K.SET, {"set": {"x": "${ $item }"}})
WAIT_1 = task_json("pause", K.WAIT, {"wait": {"seconds": 1}})

# kind -> (canonical task_config, expected DSL task)
CASES: dict[K, tuple[dict[str, Any], dict[str, Any]]] = {
    K.SET: ({"set": {"a": 1, "b": "${ .x }"}}, {"set": {"a": 1, "b": "${ .x }"}}),
    K.HTTP_CALL: (
        {"call": "http", "with": {"method": "get", "endpoint": {"uri": "https://x.io/{id}"}}},
        {"call": "http", "with": {"method": "get", "endpoint": {"uri": "https://x.io/{id}"}}},
    ),
    K.GRPC_CALL: (
        g := {
            "call": "grpc",
            "with": {
                "proto": {"endpoint": "file://app/greet.proto"},
                "service": {"name": "GreeterApi.Greeter", "host": "localhost", "port": 5011},
                "method": "SayHello",
                "arguments": {"name": "${ .user.name }"},
            },
        },
        g,
    ),
    K.CALL_ACTIVITY: (
        a := {
            "call": "activity",
            "with": {"name": "charge", "taskQueue": "billing", "arguments": ["${ .order }"]},
        },
        a,
    ),
    K.SWITCH: (
        s := {"switch": [{"big": {"when": ".n > 10", "then": "end"}}, {"other": {"then": "exit"}}]},
        s,
    ),
    K.FOR: (
        {
            "for": {"each": "item", "in": "${ .items }", "at": "i"},
            "while": "${ true }",
            "do": [SET_X],
        },
        {
            "for": {"each": "item", "in": "${ .items }", "at": "i"},
            "while": "${ true }",
            "do": [{"setX": {"set": {"x": "${ $item }"}}}],
        },
    ),
    K.FORK: (
        {
            "fork": {
                "compete": True,
                "branches": [task_json("b1", K.DO, {"do": [SET_X]}), WAIT_1],
            }
        },
        {
            "fork": {
                "compete": True,
                "branches": [
                    {"b1": {"do": [{"setX": {"set": {"x": "${ $item }"}}}]}},
                    {"pause": {"wait": {"seconds": 1}}},
                ],
            }
        },
    ),
    K.TRY: (
        {
            "try": [WAIT_1],
            "catch": {
                "errors": {"with": {"type": ERRORS + "communication"}},
                "as": "err",
                "retry": {"delay": {"seconds": 1}, "limit": {"attempt": {"count": 3}}},
                "do": [SET_X],
            },
        },
        {
            "try": [{"pause": {"wait": {"seconds": 1}}}],
            "catch": {
                "errors": {"with": {"type": ERRORS + "communication"}},
                "as": "err",
                "retry": {"delay": {"seconds": 1}, "limit": {"attempt": {"count": 3}}},
                "do": [{"setX": {"set": {"x": "${ $item }"}}}],
            },
        },
    ),
    K.LISTEN: (
        {
            "listen": {"to": {"one": {"with": {"type": "com.example.approved"}}}},
            "foreach": {"item": "event", "do": [SET_X]},
        },
        {
            "listen": {"to": {"one": {"with": {"type": "com.example.approved"}}}},
            "foreach": {"item": "event", "do": [{"setX": {"set": {"x": "${ $item }"}}}]},
        },
    ),
    K.WAIT: ({"wait": {"minutes": 1, "seconds": 30}}, {"wait": {"minutes": 1, "seconds": 30}}),
    K.RAISE: (
        r := {"raise": {"error": {"type": ERRORS + "validation", "status": 400, "title": "Bad"}}},
        r,
    ),
    K.RUN: (
        rn := {"run": {"workflow": {"namespace": "ns", "name": "child", "version": "1.0.0"}}},
        rn,
    ),
    K.AGENT_CALL: (
        ag := {"call": "agent", "with": {"agent": "reviewer", "message": "${ .pr.url }"}},
        ag,
    ),
    K.EMIT: (
        e := {"emit": {"event": {"with": {"source": "https://a.io", "type": "com.a.done"}}}},
        e,
    ),
    K.DO: (
        {"do": [SET_X, WAIT_1]},
        {"do": [{"setX": {"set": {"x": "${ $item }"}}}, {"pause": {"wait": {"seconds": 1}}}]},
    ),
    K.CALL_OPENAPI: (
        o := {
            "call": "openapi",
            "with": {
                "document": {"endpoint": "https://petstore.io/openapi.json"},
                "operationId": "findPets",
                "parameters": {"status": "available"},
            },
        },
        o,
    ),
    K.CALL_ASYNCAPI: (
        {
            "call": "asyncapi",
            "with": {
                "document": {"endpoint": "https://a.io/asyncapi.json"},
                "operation": "getNotifications",
                "subscription": {
                    "consume": {"amount": 5},
                    "foreach": {"item": "message", "do": [SET_X]},
                },
            },
        },
        {
            "call": "asyncapi",
            "with": {
                "document": {"endpoint": "https://a.io/asyncapi.json"},
                "operation": "getNotifications",
                "subscription": {
                    "consume": {"amount": 5},
                    "foreach": {"item": "message", "do": [{"setX": {"set": {"x": "${ $item }"}}}]},
                },
            },
        },
    ),
    K.CALL_FUNCTION: (f := {"call": "greet", "with": {"name": "${ .name }"}}, f),
    K.CALL_A2A: (
        a2 := {
            "call": "a2a",
            "with": {
                "method": "message/send",
                "server": "https://agent.io/a2a",
                "parameters": {"message": {"role": "user", "parts": [{"text": "hi"}]}},
            },
        },
        a2,
    ),
    K.CALL_MCP: (
        m := {
            "call": "mcp",
            "with": {
                "method": "tools/call",
                "parameters": {"name": "echo", "arguments": {"text": "hi"}},
                "transport": {"stdio": {"command": "npx", "arguments": ["echo-mcp"]}},
            },
        },
        m,
    ),
}


def spec_with(*tasks: wf.WorkflowTask) -> wf.WorkflowSpec:
    return wf.WorkflowSpec(
        document=wf.WorkflowDocument(dsl="1.0.0", namespace="tests", name="kinds", version="1.0.0"),
        tasks=list(tasks),
    )


def test_every_kind_has_a_case_and_a_table_row() -> None:
    kinds = {k for k in K if k != K.UNSPECIFIED}
    assert set(CASES) == kinds
    assert {spec.kind for spec in KIND_SPECS} == kinds


@pytest.mark.parametrize("kind", list(CASES), ids=lambda k: k.name)
def test_kind_proto_to_schema_valid_yaml_and_back(kind: K, validate_dsl: Validate) -> None:
    config, expected = CASES[kind]
    task = wf.WorkflowTask(name="step", kind=kind, task_config=wkt.Struct.from_dict(config))
    spec = spec_with(task)

    document = load_yaml(workflow_to_yaml(spec))

    assert validate_dsl(document) == []
    assert document["do"] == [{"step": expected}]
    back = dsl_to_workflow_spec(document)
    assert back.tasks[0].kind == kind
    assert workflow_to_dsl(back) == document
    assert back == dsl_to_workflow_spec(workflow_to_yaml(back))


def test_common_and_workflow_level_fields_round_trip(validate_dsl: Validate) -> None:
    source = """
document:
  dsl: '1.0.0'
  namespace: tests
  name: common
  version: '1.0.0'
  title: Common fields
  summary: Every additive field
  tags: {team: core, tier: '1'}
  metadata: {owner: {email: a@b.c}}
use:
  timeouts:
    short: {after: {seconds: 5}}
  errors:
    notFound: {type: https://x.io/not-found, status: 404}
schedule:
  every: {hours: 1}
timeout:
  after: PT1H
input:
  schema: {format: json, document: {type: object}}
  from: ${ .payload }
do:
  - first:
      if: ${ .enabled }
      input: {from: '${ .user }'}
      set: {name: '${ .name }'}
      output: {as: '${ . + {fetched: true} }'}
      export:
        as: '${ $context + {name: .name} }'
        schema: {format: json, document: {type: object}}
      timeout: short
      metadata: {heartbeat: {seconds: 10}}
      then: second
  - second:
      wait: PT1S
      export: {as: {last: '${ .name }', flags: [1, true, null]}}
      timeout: {after: {minutes: 1}}
      then: end
output:
  as: ${ .result }
"""
    original = load_yaml(source)
    spec = dsl_to_workflow_spec(source)

    first, second = spec.tasks
    assert first.condition == "${ .enabled }"
    assert first.export is not None and first.export.as_ == "${ $context + {name: .name} }"
    assert first.export.schema is not None
    assert first.timeout == wkt.Value(string_value="short")
    assert first.flow == wf.FlowControl(then="second")
    assert first.task_config == wkt.Struct.from_dict({"set": {"name": "${ .name }"}})
    assert second.export is not None and second.export.as_ == ""
    assert second.export.as_value is not None
    assert spec.document is not None and spec.document.tags == {"team": "core", "tier": "1"}
    assert spec.timeout is not None and spec.use is not None and spec.schedule is not None

    text = workflow_to_yaml(wf.WorkflowSpec.parse(bytes(spec)))
    assert "'${ . + {fetched: true} }'" in text
    assert load_yaml(text) == original
    assert validate_dsl(load_yaml(text)) == []
    assert list(load_yaml(text)) == [
        "document", "use", "schedule", "timeout", "input", "do", "output",
    ]  # fmt: skip


def test_expressions_survive_yaml(validate_dsl: Validate) -> None:
    tricky = [
        "${ . + {fetched: true} }",
        "${ .a: 1 }",
        "${ .x # not a comment }",
        "${ \"quoted\" + 'single' }",
        "${\n  .a\n  | .b\n}",
        "${ .a }",
    ]
    task = wf.WorkflowTask(
        name="t", kind=K.SET, task_config=wkt.Struct.from_dict({"set": {"v": tricky}})
    )
    text = workflow_to_yaml(spec_with(task))
    assert load_yaml(text)["do"][0]["t"]["set"]["v"] == tricky
    assert validate_dsl(load_yaml(text)) == []
