"""Outputs too large for the record, held by reference and served by getValue (ADR 0033)."""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

import grpc
import pytest
from conftest import Api
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.limits import MAX_OUTPUT_BYTES
from stigmer_protos.temporal import json_message_payload
from stigmer_server.store.connection import connect
from stigmer_server.workflowexecution.temporal.final_status import split_final_status
from stigmer_server.workflowexecution.values import CHUNK_BYTES, OUTPUT_PATH

P = wex.ExecutionPhase
BIG = {"items": [{"id": i, "text": "x" * 200} for i in range(12_000)]}
"""An output of about 2.6 MB: over the inline bound, and more than two getValue parts."""


def _payload_data(fields: dict[str, Any]) -> bytes:
    return json_message_payload(wex.WorkflowExecutionStatus, fields).data


def test_a_small_output_stays_in_the_status() -> None:
    data = _payload_data({"phase": "EXECUTION_COMPLETED", "output": {"ok": True}})
    status, text = split_final_status(data)
    assert text is None
    assert status.phase == P.EXECUTION_COMPLETED
    assert status.output is not None and status.output.to_dict() == {"ok": True}


@pytest.mark.parametrize("output", [BIG, list(range(200_000)), "y" * (MAX_OUTPUT_BYTES + 1)])
def test_a_large_output_of_any_json_type_is_split_off_as_json_text(output: Any) -> None:
    field = "output" if isinstance(output, dict) else "outputValue"
    data = _payload_data({"phase": "EXECUTION_COMPLETED", field: output})
    status, text = split_final_status(data)
    assert text is not None and json.loads(text) == output
    assert status.phase == P.EXECUTION_COMPLETED
    assert status.output is None and status.output_value is None


def test_an_output_whose_protobuf_exceeds_the_bound_is_split_off_too() -> None:
    # Small numbers: a few bytes of JSON each, about ten as Struct values.
    output = {"n": list(range(4000))}
    data = _payload_data({"phase": "EXECUTION_COMPLETED", "output": output})
    assert len(json.dumps(output)) < 30_000
    status, text = split_final_status(data, max_inline=30_000)
    assert text is not None and json.loads(text) == output
    assert status.output is None


async def _completed_with_big_output(api: Api) -> tuple[str, bytes]:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    text = json.dumps(BIG).encode()
    await api.server.services.executions.record_final_status(
        e.metadata.id, wex.WorkflowExecutionStatus(phase=P.EXECUTION_COMPLETED), text
    )
    return e.metadata.id, text


async def _value(api: Api, execution_id: str, path: str) -> list[wex.WorkflowExecutionValueChunk]:
    request = wex.GetWorkflowExecutionValueRequest(execution_id=execution_id, path=path)
    return [chunk async for chunk in api.stubs.wexq.getValue(request)]


async def test_get_shows_a_reference_and_get_value_streams_the_whole_output(api: Api) -> None:
    eid, text = await _completed_with_big_output(api)

    got = await api.stubs.wexq.get(wex.WorkflowExecutionId(value=eid))
    reference = got.status.output_reference
    assert got.status.phase == P.EXECUTION_COMPLETED
    assert reference.path == OUTPUT_PATH and reference.size_bytes == len(text)
    assert reference.sha256 == hashlib.sha256(text).hexdigest()
    assert got.status.output.to_dict() == {"_truncated": True, "bytes": len(text)}
    assert len(bytes(got)) < 10_000

    chunks = await _value(api, eid, OUTPUT_PATH)
    assert len(chunks) == -(-len(text) // CHUNK_BYTES) > 2
    assert all(len(c.data) <= CHUNK_BYTES for c in chunks)
    assert b"".join(c.data for c in chunks) == text
    assert chunks[0].size_bytes == len(text) and chunks[0].sha256 == reference.sha256


async def test_get_value_serves_only_what_the_named_execution_references(api: Api) -> None:
    eid, _ = await _completed_with_big_output(api)
    w = await api.stubs.wf.create(workflow_msg("other"))
    other = await api.stubs.wex.create(execution_msg("run 2", workflow_id=w.metadata.id))

    for execution_id, path in (
        (other.metadata.id, OUTPUT_PATH),  # an execution without a referenced output
        (eid, "spec.input"),  # a path this record does not reference
        (eid, f"../{OUTPUT_PATH}"),
        ("wex-missing", OUTPUT_PATH),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await _value(api, execution_id, path)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND, (execution_id, path)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _value(api, eid, "")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "path" in (err.value.details() or "")


async def test_a_changed_stored_value_is_refused_not_served(api: Api) -> None:
    eid, text = await _completed_with_big_output(api)
    values = api.server.services.executions.values
    assert values is not None
    client = connect(api.redis_url, max_connections=2)
    try:
        await client.set(values.key(eid, OUTPUT_PATH), zlib.compress(text[:-1] + b" "))
    finally:
        await client.aclose()

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _value(api, eid, OUTPUT_PATH)
    assert err.value.code() == grpc.StatusCode.DATA_LOSS


async def test_update_status_refuses_a_reference_from_a_caller(api: Api) -> None:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    forged = wex.ExecutionValueReference(path=OUTPUT_PATH, size_bytes=1, sha256="0" * 64)
    request = wex.WorkflowExecutionUpdateStatusInput(
        execution_id=e.metadata.id,
        status=wex.WorkflowExecutionStatus(output_reference=forged),
    )
    before = await api.snapshot()

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wex.updateStatus(request)

    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "status.output_reference" in (err.value.details() or "")
    assert await api.snapshot() == before


async def test_delete_removes_the_referenced_values(api: Api) -> None:
    eid, _ = await _completed_with_big_output(api)
    values = api.server.services.executions.values
    assert values is not None
    client = connect(api.redis_url, max_connections=2)
    try:
        assert await client.exists(values.key(eid, OUTPUT_PATH)) == 1
        await api.stubs.wex.delete(ar.ApiResourceId(value=eid))
        assert await client.exists(values.key(eid, OUTPUT_PATH)) == 0
    finally:
        await client.aclose()
