"""Request builders shared by the tests (conftest puts this directory on sys.path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import command_pb2_grpc as win_cmd
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import query_pb2_grpc as win_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google.protobuf import Struct
from stigmer_server.access.api_keys import ApiKeySettings, inline_entries, parse_entries


def workflow_msg(name: str = "Hello World", org: str = "acme", **md: Any) -> wf.Workflow:
    """A valid Workflow request."""
    return wf.Workflow(
        metadata=ar.ApiResourceMetadata(
            name=name, org=org, owner_scope=ar.ApiResourceOwnerScope.organization, **md
        ),
        spec=wf.WorkflowSpec(
            document=wf.WorkflowDocument(
                dsl="1.0.0", namespace="ns", name="hello", version="1.0.0"
            ),
            tasks=[
                wf.WorkflowTask(
                    name="greet",
                    kind=ar.WorkflowTaskKind(1),
                    task_config=Struct.from_dict({"variables": {"x": "1"}}),
                )
            ],
        ),
    )


def execution_msg(
    name: str = "run 1",
    *,
    workflow_id: str = "",
    instance_id: str = "",
    org: str = "acme",
    tags: list[str] | None = None,
) -> wex.WorkflowExecution:
    """A WorkflowExecution create request."""
    return wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(
            name=name,
            org=org,
            owner_scope=ar.ApiResourceOwnerScope.organization,
            tags=tags or [],
        ),
        spec=wex.WorkflowExecutionSpec(
            workflow_id=workflow_id, workflow_instance_id=instance_id, trigger_message="hi"
        ),
    )


@dataclass
class Stubs:
    """Client stubs of every service, on one channel."""

    wf: Any
    wfq: Any
    win: Any
    winq: Any
    wex: Any
    wexq: Any
    channel: grpc.aio.Channel


def stubs_for(channel: grpc.aio.Channel) -> Stubs:
    """Stubs on ``channel``."""
    return Stubs(
        wf=wf_cmd.WorkflowCommandControllerStub(channel),
        wfq=wf_qry.WorkflowQueryControllerStub(channel),
        win=win_cmd.WorkflowInstanceCommandControllerStub(channel),
        winq=win_qry.WorkflowInstanceQueryControllerStub(channel),
        wex=wex_cmd.WorkflowExecutionCommandControllerStub(channel),
        wexq=wex_qry.WorkflowExecutionQueryControllerStub(channel),
        channel=channel,
    )


def keys(inline: str) -> ApiKeySettings:
    """Key settings accepting the comma-separated ``inline`` entries (``<scope>:<key>``)."""
    return ApiKeySettings(inline=parse_entries(inline_entries(inline)))


def bearer(key: str) -> tuple[tuple[str, str], ...]:
    """The call metadata presenting ``key``."""
    return (("authorization", f"Bearer {key}"),)
