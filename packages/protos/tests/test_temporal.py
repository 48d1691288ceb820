"""The json/protobuf payload converter: format, interop with stock converters, real server."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from types import ModuleType

import pytest
from google.protobuf import json_format
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.temporal import data_converter, sandbox_runner
from temporalio import workflow
from temporalio.client import Client
from temporalio.converter import DataConverter, JSONProtoPayloadConverter
from temporalio.worker import Worker


async def test_payload_is_standard_json_protobuf(
    official: dict[str, ModuleType], execution: wex.WorkflowExecution
) -> None:
    [payload] = await data_converter().encode([execution])
    assert payload.metadata["encoding"] == b"json/protobuf"
    assert (
        payload.metadata["messageType"]
        == b"ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution"
    )
    expected = json_format.MessageToDict(
        official["wex_api"].WorkflowExecution.FromString(bytes(execution))
    )
    assert json.loads(payload.data) == expected


async def test_stock_converter_reads_our_payload_and_we_read_its(
    official: dict[str, ModuleType], execution: wex.WorkflowExecution
) -> None:
    [payload] = await data_converter().encode([execution])
    theirs = JSONProtoPayloadConverter().from_payload(payload)
    assert isinstance(theirs, official["wex_api"].WorkflowExecution)
    assert theirs.spec.trigger_metadata["source"] == "cron"
    [stock_payload] = await DataConverter.default.encode([theirs])
    [ours] = await data_converter().decode([stock_payload], [wex.WorkflowExecution])
    assert ours == execution
    [untyped] = await data_converter().decode([stock_payload])
    assert untyped == execution


async def test_other_values_keep_default_encodings() -> None:
    payloads = await data_converter().encode([{"a": 1}, None, b"raw"])
    assert [p.metadata["encoding"] for p in payloads] == [
        b"json/plain",
        b"binary/null",
        b"binary/plain",
    ]
    assert await data_converter().decode(payloads) == [{"a": 1}, None, b"raw"]


@workflow.defn(name="test/echo-execution")
class EchoExecution:
    """Takes a WorkflowExecution and returns its status with the phase advanced."""

    @workflow.run
    async def run(self, execution: wex.WorkflowExecution) -> wex.WorkflowExecutionStatus:
        status = execution.status
        status.phase = wex.ExecutionPhase.EXECUTION_COMPLETED
        status.error = f"echo of {execution.metadata.id}"
        return status


async def test_workflow_takes_and_returns_messages_on_a_real_server(
    temporal_client: Client, task_queue: str, execution: wex.WorkflowExecution
) -> None:
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[EchoExecution],
        workflow_runner=sandbox_runner(),
    ):
        result = await temporal_client.execute_workflow(
            EchoExecution.run,
            execution,
            id=f"echo-{task_queue}",
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=30),
        )
    assert isinstance(result, wex.WorkflowExecutionStatus)
    assert result.phase == wex.ExecutionPhase.EXECUTION_COMPLETED
    assert result.error == f"echo of {execution.metadata.id}"
    assert result.tasks == execution.status.tasks
    assert result.output.to_dict() == {"result": 1.5}
    history = await temporal_client.get_workflow_handle(f"echo-{task_queue}").fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert (
        started.metadata["messageType"]
        == b"ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution"
    )


def test_the_converter_imports_what_to_dict_needs_outside_workflows() -> None:
    # betterproto2's to_dict() imports pydantic.dataclasses lazily; inside a workflow's first
    # task that import took over the 2 s deadlock bound on a loaded machine (TMPRL1101).
    pytest.importorskip("pydantic")
    probe = "import sys, stigmer_protos.temporal; print('pydantic.dataclasses' in sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "True"
