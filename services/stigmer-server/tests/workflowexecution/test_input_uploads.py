"""Inputs too large for create: uploaded in parts, held beside the record (ADR 0033)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import grpc
import pytest
from conftest import Api
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_server.store.connection import connect
from stigmer_server.workflowexecution import input_uploads
from stigmer_server.workflowexecution.request_ids import REQUEST_ID_METADATA
from stigmer_server.workflowexecution.values import INPUT_PATH

BIG = {"items": [{"id": i, "text": "x" * 200} for i in range(12_000)]}
"""An input of about 2.6 MB (three upload parts)."""

PART = 1024 * 1024


def _parts(text: bytes) -> Iterator[wex.WorkflowExecutionValueChunk]:
    for start in range(0, len(text), PART):
        yield wex.WorkflowExecutionValueChunk(data=text[start : start + PART])


async def _upload_keys(api: Api) -> list[bytes]:
    client = connect(api.redis_url, max_connections=2)
    try:
        return [key async for key in client.scan_iter(match=f"{api.prefix}:upload:*")]
    finally:
        await client.aclose()


async def _workflow(api: Api) -> str:
    created = await api.stubs.wf.create(workflow_msg())
    workflow_id: str = created.metadata.id
    return workflow_id


async def _create(
    api: Api, workflow_id: str, spec_fields: dict[str, object]
) -> wex.WorkflowExecution:
    request = execution_msg(workflow_id=workflow_id)
    assert request.spec is not None
    for name, value in spec_fields.items():
        setattr(request.spec, name, value)
    created: wex.WorkflowExecution = await api.stubs.wex.create(request)
    return created


async def test_an_uploaded_input_is_held_by_reference_and_served(api: Api) -> None:
    workflow_id = await _workflow(api)
    text = json.dumps(BIG).encode()
    upload = await api.stubs.wex.uploadInput(_parts(text))
    assert upload.size_bytes == len(text)
    assert upload.sha256 == hashlib.sha256(text).hexdigest()

    created = await _create(api, workflow_id, {"input_upload_id": upload.upload_id})

    got = await api.stubs.wexq.get(wex.WorkflowExecutionId(value=created.metadata.id))
    assert got.spec.input_upload_id == ""
    assert got.spec.input_reference.path == INPUT_PATH
    assert got.spec.input_reference.sha256 == upload.sha256
    assert got.spec.input.to_dict() == {"_truncated": True, "bytes": len(text)}
    assert len(bytes(got)) < 10_000
    request = wex.GetWorkflowExecutionValueRequest(
        execution_id=created.metadata.id, path=INPUT_PATH
    )
    chunks = [chunk async for chunk in api.stubs.wexq.getValue(request)]
    assert b"".join(c.data for c in chunks) == text
    # The create took the upload: it serves no other create.
    assert await _upload_keys(api) == []
    before = await api.snapshot()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _create(api, workflow_id, {"input_upload_id": upload.upload_id})
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "spec.input_upload_id" in (err.value.details() or "")
    assert await api.snapshot() == before


async def test_a_retried_create_with_its_request_id_answers_the_first_execution(
    api: Api,
) -> None:
    workflow_id = await _workflow(api)
    upload = await api.stubs.wex.uploadInput(_parts(b'{"a": 1}'))
    request = execution_msg(workflow_id=workflow_id)
    assert request.spec is not None
    request.spec.input_upload_id = upload.upload_id
    metadata = ((REQUEST_ID_METADATA, "retry-1"),)

    first = await api.stubs.wex.create(request, metadata=metadata)
    again = await api.stubs.wex.create(request, metadata=metadata)

    assert again.metadata.id == first.metadata.id
    assert again.spec.input_reference == first.spec.input_reference


async def test_an_update_keeps_the_servers_reference(api: Api) -> None:
    workflow_id = await _workflow(api)
    upload = await api.stubs.wex.uploadInput(_parts(json.dumps(BIG).encode()))
    created = await _create(api, workflow_id, {"input_upload_id": upload.upload_id})
    change = execution_msg(workflow_id=created.spec.workflow_id)
    assert change.metadata is not None and change.spec is not None
    change.metadata.id = created.metadata.id
    change.spec.input_reference = wex.ExecutionValueReference(path=INPUT_PATH, sha256="0" * 64)

    updated = await api.stubs.wex.update(change)

    assert updated.spec.input_reference == created.spec.input_reference


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (b"[1, 2]", grpc.StatusCode.INVALID_ARGUMENT),
        (b'{"a": NaN}', grpc.StatusCode.INVALID_ARGUMENT),
        (b'{"a": ', grpc.StatusCode.INVALID_ARGUMENT),
        (b"[" * 1000 + b"]" * 1000, grpc.StatusCode.INVALID_ARGUMENT),
        (json.dumps({"blob": "x" * 3000}).encode(), grpc.StatusCode.RESOURCE_EXHAUSTED),
    ],
)
async def test_a_bad_upload_is_refused_and_nothing_kept(
    api: Api, monkeypatch: pytest.MonkeyPatch, text: bytes, code: grpc.StatusCode
) -> None:
    monkeypatch.setattr(input_uploads, "MAX_UPLOAD_INPUT_BYTES", 2048)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wex.uploadInput(_parts(text))
    assert err.value.code() == code
    assert await _upload_keys(api) == []


async def test_create_refuses_a_reference_or_an_upload_beside_an_input(api: Api) -> None:
    workflow_id = await _workflow(api)
    upload = await api.stubs.wex.uploadInput(_parts(b'{"a": 1}'))
    before = await api.snapshot()
    for fields, named in (
        (
            {"input_reference": wex.ExecutionValueReference(path=INPUT_PATH, sha256="0" * 64)},
            "spec.input_reference",
        ),
        (
            {"input_upload_id": upload.upload_id, "input": wkt.Struct.from_dict({"b": 2})},
            "spec.input_upload_id",
        ),
        ({"input_upload_id": "f" * 32}, "spec.input_upload_id"),
        ({"input_upload_id": "../" + "f" * 29}, "spec.input_upload_id"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await _create(api, workflow_id, fields)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert named in (err.value.details() or "")
    assert await api.snapshot() == before
    assert len(await _upload_keys(api)) == 1  # the refused creates did not take the upload


async def test_delete_removes_the_uploaded_input(api: Api) -> None:
    workflow_id = await _workflow(api)
    upload = await api.stubs.wex.uploadInput(_parts(json.dumps(BIG).encode()))
    created = await _create(api, workflow_id, {"input_upload_id": upload.upload_id})
    values = api.server.services.executions.values
    assert values is not None
    client = connect(api.redis_url, max_connections=2)
    try:
        assert await client.exists(values.key(created.metadata.id, INPUT_PATH)) == 1
        await api.stubs.wex.delete(ar.ApiResourceId(value=created.metadata.id))
        assert await client.exists(values.key(created.metadata.id, INPUT_PATH)) == 0
    finally:
        await client.aclose()
