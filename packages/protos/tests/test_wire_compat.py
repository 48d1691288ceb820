"""betterproto2 messages encode exactly like the official protobuf runtime, in binary and JSON."""

from __future__ import annotations

import json
from types import ModuleType

from google.protobuf import json_format
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex


def test_execution_binary_round_trips_with_official_encoding(
    official: dict[str, ModuleType], execution: wex.WorkflowExecution, workflow: wf.Workflow
) -> None:
    ours = execution
    theirs = official["wex_api"].WorkflowExecution.FromString(bytes(ours))
    assert theirs.spec.callback_token == b"\x00\xfftoken"
    assert theirs.spec.runtime_env["TOKEN"].is_secret is True
    assert theirs.status.phase == 3
    assert theirs.status.audit.spec_audit.created_at.ToJsonString() == "2026-11-26T10:30:15.123Z"
    # Byte order of map entries is not canonical in protobuf, so compare decoded messages.
    assert type(theirs).FromString(bytes(ours)) == theirs
    assert wex.WorkflowExecution.FromString(theirs.SerializeToString()) == ours


def test_execution_json_matches_official_json(
    official: dict[str, ModuleType], execution: wex.WorkflowExecution, workflow: wf.Workflow
) -> None:
    ours = execution
    theirs = official["wex_api"].WorkflowExecution.FromString(bytes(ours))
    official_json = json_format.MessageToDict(theirs)
    assert ours.to_dict() == official_json
    assert official_json["spec"]["callbackToken"] == "AP90b2tlbg=="
    assert official_json["status"]["phase"] == "EXECUTION_COMPLETED"
    assert official_json["spec"]["input"] == {"n": 3.0, "names": ["a", "b"], "nested": {"ok": True}}
    assert wex.WorkflowExecution.from_dict(official_json) == ours


def test_official_json_parses_into_ours(
    official: dict[str, ModuleType], execution: wex.WorkflowExecution, workflow: wf.Workflow
) -> None:
    text = json_format.MessageToJson(
        official["wex_api"].WorkflowExecution.FromString(bytes(execution))
    )
    assert wex.WorkflowExecution.from_dict(json.loads(text)) == execution


def test_workflow_with_additive_fields_round_trips(
    official: dict[str, ModuleType], execution: wex.WorkflowExecution, workflow: wf.Workflow
) -> None:
    ours = workflow
    theirs = official["wf_api"].Workflow.FromString(bytes(ours))
    task = theirs.spec.tasks[0]
    assert task.condition == "${ .run }"
    assert task.timeout.string_value == "short"
    assert task.export.__getattribute__("as") == "${ $context }"
    assert task.task_config["do"][0]["name"] == "step"
    assert json_format.MessageToDict(theirs) == ours.to_dict()
    assert wf.Workflow.FromString(theirs.SerializeToString()) == ours


def test_unset_fields_stay_unset(
    official: dict[str, ModuleType], execution: wex.WorkflowExecution, workflow: wf.Workflow
) -> None:
    empty = wex.WorkflowExecution()
    assert bytes(empty) == b""
    assert official["wex_api"].WorkflowExecution.FromString(b"").HasField("status") is False
    assert empty.to_dict() == {}
