"""The generated services expose Stigmer's gRPC method paths (lowerCamelCase RPC names)."""

from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win


def _paths(file_descriptor: object) -> set[str]:
    services = file_descriptor.services_by_name.values()  # type: ignore[attr-defined]
    return {f"/{s.full_name}/{m.name}" for s in services for m in s.methods}


def test_workflow_execution_paths() -> None:
    command = _paths(wex.AI_STIGMER_AGENTIC_WORKFLOWEXECUTION_V1_COMMAND_PROTO_DESCRIPTOR)
    query = _paths(wex.AI_STIGMER_AGENTIC_WORKFLOWEXECUTION_V1_QUERY_PROTO_DESCRIPTOR)
    prefix = "/ai.stigmer.agentic.workflowexecution.v1."
    assert command == {
        f"{prefix}WorkflowExecutionCommandController/{m}"
        for m in (
            "create",
            "update",
            "updateStatus",
            "delete",
            "cancel",
            "signal",
            "terminate",
            "rerun",
            "publish",
            "pause",
            "resume",
            "uploadInput",
            "createSubflow",
        )
    }
    assert query == {
        f"{prefix}WorkflowExecutionQueryController/{m}"
        for m in ("get", "list", "listByWorkflow", "subscribe", "getSecrets", "getValue")
    }


def test_workflow_and_instance_paths() -> None:
    assert _paths(wf.AI_STIGMER_AGENTIC_WORKFLOW_V1_COMMAND_PROTO_DESCRIPTOR) == {
        f"/ai.stigmer.agentic.workflow.v1.WorkflowCommandController/{m}"
        for m in ("apply", "create", "update", "delete")
    }
    assert _paths(wf.AI_STIGMER_AGENTIC_WORKFLOW_V1_QUERY_PROTO_DESCRIPTOR) == {
        f"/ai.stigmer.agentic.workflow.v1.WorkflowQueryController/{m}"
        for m in ("get", "getByReference")
    }
    assert _paths(win.AI_STIGMER_AGENTIC_WORKFLOWINSTANCE_V1_QUERY_PROTO_DESCRIPTOR) == {
        f"/ai.stigmer.agentic.workflowinstance.v1.WorkflowInstanceQueryController/{m}"
        for m in ("get", "getByWorkflow", "getByReference")
    }
