"""Stigmer client task configs (typed ``*TaskConfig`` JSON in task_config) -> valid DSL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from stigmer_dsl.converter import (
    ConversionError,
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

# Nested tasks as a Stigmer client sends them (protojson of WorkflowTask, typed configs).
STIGMER_SET = {
    "name": "mark",
    "kind": "WORKFLOW_TASK_KIND_SET",
    "taskConfig": {"variables": {"done": "true"}},
}
STIGMER_WAIT = {"name": "nap", "kind": 10, "task_config": {"seconds": 2}, "flow": {"then": "end"}}

# kind -> (typed config, expected DSL task)
TYPED: dict[str, tuple[K, dict[str, Any], dict[str, Any]]] = {
    "set": (K.SET, {"variables": {"a": "1", "b": "${ .x }"}}, {"set": {"a": "1", "b": "${ .x }"}}),
    "http": (
        K.HTTP_CALL,
        {
            "method": "POST",
            "endpoint": {"uri": "https://api.io/items"},
            "headers": {"Content-Type": "application/json"},
            "body": {"name": "${ .name }"},
            "timeout_seconds": 30,
        },
        {
            "call": "http",
            "with": {
                "method": "POST",
                "endpoint": {"uri": "https://api.io/items"},
                "headers": {"Content-Type": "application/json"},
                "body": {"name": "${ .name }"},
            },
            "timeout": {"after": {"seconds": 30}},
        },
    ),
    "grpc": (
        K.GRPC_CALL,
        {
            "service": "users.internal:9090/users.v1.UserService",
            "method": "Get",
            "request": {"id": 1},
        },
        {
            "call": "grpc",
            "with": {
                "proto": {"endpoint": "grpc+reflection://users.internal:9090"},
                "service": {"name": "users.v1.UserService", "host": "users.internal", "port": 9090},
                "method": "Get",
                "arguments": {"id": 1},
            },
        },
    ),
    "activity": (
        K.CALL_ACTIVITY,
        {"activity": "ChargeCard", "input": {"amount": 10}},
        {"call": "activity", "with": {"name": "ChargeCard", "arguments": [{"amount": 10}]}},
    ),
    "switch": (
        K.SWITCH,
        {
            "cases": [
                {"name": "big", "when": "${ .n > 10 }", "then": "mark"},
                {"name": "fallback", "then": "end"},
            ]
        },
        {
            "switch": [
                {"big": {"when": "${ .n > 10 }", "then": "mark"}},
                {"fallback": {"then": "end"}},
            ]
        },
    ),
    "for": (
        K.FOR,
        {"each": "item", "in": "${ .items }", "do": [STIGMER_SET]},
        {
            "for": {"each": "item", "in": "${ .items }"},
            "do": [{"mark": {"set": {"done": "true"}}}],
        },
    ),
    "fork": (
        K.FORK,
        {
            "branches": [{"name": "a", "do": [STIGMER_SET]}, {"name": "b", "do": [STIGMER_WAIT]}],
            "compete": True,
        },
        {
            "fork": {
                "branches": [
                    {"a": {"do": [{"mark": {"set": {"done": "true"}}}]}},
                    {"b": {"do": [{"nap": {"wait": {"seconds": 2}, "then": "end"}}]}},
                ],
                "compete": True,
            }
        },
    ),
    "try": (
        K.TRY,
        {"try": [STIGMER_WAIT], "catch": {"as": "err", "do": [STIGMER_SET]}},
        {
            "try": [{"nap": {"wait": {"seconds": 2}, "then": "end"}}],
            "catch": {"as": "err", "do": [{"mark": {"set": {"done": "true"}}}]},
        },
    ),
    "listen-one": (
        K.LISTEN,
        {"to": {"mode": "one", "signals": [{"id": "approve", "type": "signal"}]}},
        {"listen": {"to": {"one": {"with": {"id": "approve", "type": "signal"}}}}},
    ),
    "listen-all": (
        K.LISTEN,
        {"to": {"mode": "all", "signals": [{"id": "a", "type": "update"}, {"id": "b"}]}},
        {
            "listen": {
                "to": {
                    "all": [
                        {"with": {"id": "a", "type": "update"}},
                        {"with": {"id": "b", "type": "signal"}},
                    ]
                }
            }
        },
    ),
    "wait": (K.WAIT, {"seconds": 5}, {"wait": {"seconds": 5}}),
    "raise-standard": (
        K.RAISE,
        {"error": "ValidationError", "message": "name is required"},
        {
            "raise": {
                "error": {
                    "type": ERRORS + "validation",
                    "status": 400,
                    "title": "ValidationError",
                    "detail": "name is required",
                }
            }
        },
    ),
    "raise-custom": (
        K.RAISE,
        {"error": "QuotaExceeded", "message": "too many"},
        {
            "raise": {
                "error": {
                    "type": ERRORS + "runtime",
                    "status": 500,
                    "title": "QuotaExceeded",
                    "detail": "too many",
                }
            }
        },
    ),
    "run": (
        K.RUN,
        {"workflow": "billing/invoice:1.2.0", "input": {"id": "${ .id }"}},
        {
            "run": {
                "workflow": {
                    "namespace": "billing",
                    "name": "invoice",
                    "version": "1.2.0",
                    "input": {"id": "${ .id }"},
                }
            }
        },
    ),
    "run-bare": (
        K.RUN,
        {"workflow": "invoice"},
        {"run": {"workflow": {"namespace": "default", "name": "invoice", "version": "latest"}}},
    ),
    "agent": (
        K.AGENT_CALL,
        {
            "agent": "code-reviewer",
            "scope": 2,
            "message": "Review ${ .pr }",
            "env": {"TOKEN": "${.secrets.GH_TOKEN}"},
            "config": {"model": "m1", "timeout": 60, "temperature": 0.5},
        },
        {
            "call": "agent",
            "with": {
                "agent": "code-reviewer",
                "message": "Review ${ .pr }",
                "scope": "organization",
                "env": {"TOKEN": "${.secrets.GH_TOKEN}"},
                "config": {"model": "m1", "timeout": 60, "temperature": 0.5},
            },
        },
    ),
}


def stigmer_spec(kind: K, config: dict[str, Any]) -> wf.WorkflowSpec:
    return wf.WorkflowSpec(
        description="Made by a Stigmer client",
        document=wf.WorkflowDocument(dsl="1.0.0", namespace="acme", name="typed", version="0.1.0"),
        tasks=[
            wf.WorkflowTask(
                name="step",
                kind=kind,
                task_config=wkt.Struct.from_dict(config),
                export=wf.Export(as_="${ . }"),
            ),
            wf.WorkflowTask(
                name="mark", kind=K.SET, task_config=wkt.Struct.from_dict({"variables": {"x": "1"}})
            ),
        ],
    )


@pytest.mark.parametrize("case", list(TYPED))
def test_typed_config_converts_to_valid_dsl(case: str, validate_dsl: Validate) -> None:
    kind, config, expected = TYPED[case]
    spec = stigmer_spec(kind, config)

    document = load_yaml(workflow_to_yaml(spec))

    assert validate_dsl(document) == []
    assert document["do"][0] == {"step": {**expected, "export": {"as": "${ . }"}}}
    assert document["do"][1] == {"mark": {"set": {"x": "1"}}}
    assert document["document"]["summary"] == "Made by a Stigmer client"
    # The canonical proto made from that DSL converts back to the same DSL.
    assert workflow_to_dsl(dsl_to_workflow_spec(document)) == document


def test_binary_round_trip_preserves_the_conversion() -> None:
    spec = wf.WorkflowSpec(
        document=wf.WorkflowDocument(dsl="1.0.0", namespace="acme", name="bin", version="1.0.0"),
        tasks=[
            stigmer_spec(kind, config).tasks[0]
            for kind, config, _ in TYPED.values()
            if kind != K.RUN  # both RUN cases would collide on the name; one is enough
        ],
    )
    for index, task in enumerate(spec.tasks):
        task.name = f"t{index}"

    data = bytes(spec)
    for decoded in (wf.WorkflowSpec.parse(data), wf.WorkflowSpec.FromString(data)):
        assert decoded == spec
        assert workflow_to_dsl(decoded) == workflow_to_dsl(spec)
        assert workflow_to_yaml(decoded) == workflow_to_yaml(spec)


@pytest.mark.parametrize(
    ("kind", "config", "message"),
    [
        (
            K.HTTP_CALL,
            {"method": "GET"},
            "tasks[0] 'step' (HTTP_CALL): task_config.endpoint.uri: required",
        ),
        (K.SET, {"vars": {}}, "tasks[0] 'step' (SET): task_config.vars: unknown field"),
        (
            K.WAIT,
            {"seconds": 0},
            "tasks[0] 'step' (WAIT): task_config.seconds: must be an integer >= 1",
        ),
        (
            K.SWITCH,
            {"cases": [{"name": "a"}]},
            "tasks[0] 'step' (SWITCH): task_config.cases[0].then: required",
        ),
        (K.LISTEN, {"to": {"mode": "one", "signals": []}}, "task_config.to.signals: required"),
        (K.RAISE, {"message": "x"}, "task_config.error: required"),
        (K.HTTP_CALL, {"call": "grpc", "with": {}}, "task_config.call: must be 'http'"),
        (K.CALL_FUNCTION, {"call": "http"}, "'http' is a built-in call: use kind HTTP_CALL"),
        (K.DO, {}, "tasks[0] 'step' (DO): task_config.do: required"),
        (K.UNSPECIFIED, {"set": {}}, "tasks[0] 'step' (UNSPECIFIED): kind: required"),
        (
            K.FOR,
            {"in": "${ .x }", "do": [{"name": "inner", "kind": "SET", "taskConfig": {"bad": 1}}]},
            "tasks[0] 'step' (FOR) > task_config.do[0] 'inner' (SET): "
            "task_config.bad: unknown field",
        ),
    ],
)
def test_conversion_errors_name_the_task_path(
    kind: K, config: dict[str, Any], message: str
) -> None:
    spec = stigmer_spec(kind, config)
    with pytest.raises(ConversionError) as excinfo:
        workflow_to_dsl(spec)
    assert message in str(excinfo.value)


def test_document_fields_are_required() -> None:
    spec = stigmer_spec(K.WAIT, {"seconds": 1})
    assert spec.document is not None
    spec.document.name = ""
    with pytest.raises(ConversionError, match=r"^document: name: required$"):
        workflow_to_dsl(spec)


def test_dsl_errors_name_the_task_path() -> None:
    with pytest.raises(ConversionError, match=r"do\[0\] 'a' \(DO\) > do\[1\] 'b': no task type"):
        dsl_to_workflow_spec(
            "document: {dsl: '1.0.0', namespace: n, name: n, version: '1.0.0'}\n"
            "do: [{a: {do: [{ok: {wait: PT1S}}, {b: {nothing: 1}}]}}]\n"
        )


def test_validator_rejects_what_stigmer_go_emitted(validate_dsl: Validate) -> None:
    # Guard against a vacuous schema check: the Go converter's `wait: <int>` is invalid.
    document = {
        "document": {"dsl": "1.0.0", "namespace": "a", "name": "b", "version": "1.0.0"},
        "do": [{"w": {"wait": 5}}],
    }
    assert validate_dsl(document) != []
