"""Bearer API-key authentication: every API call needs a key, health does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ss_helpers import workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_server.auth import load_api_keys
from stigmer_server.config import Config, ConfigError

KEY = "k-" + "x" * 30


def _bearer(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)


async def test_calls_without_a_valid_key_are_rejected_and_change_nothing(make_api: Any) -> None:
    api = await make_api(api_keys=(KEY.encode(), b"other"))
    before = await api.snapshot()
    for metadata in ((), _bearer("wrong"), (("authorization", KEY),)):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await api.stubs.wf.create(workflow_msg(), metadata=metadata)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert err.value.details() == "missing or invalid API key"
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id="wex-x"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in stream:
            pass
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await api.snapshot() == before


async def test_a_valid_key_is_accepted(make_api: Any) -> None:
    api = await make_api(api_keys=(b"other", KEY.encode()))
    created = await api.stubs.wf.create(workflow_msg(), metadata=_bearer(KEY))
    got = await api.stubs.wfq.get(wf.WorkflowId(value=created.metadata.id), metadata=_bearer(KEY))
    assert got.metadata.id == created.metadata.id


async def test_health_needs_no_key(make_api: Any) -> None:
    api = await make_api(api_keys=(KEY.encode(),))
    reply = await health_pb2_grpc.HealthStub(api.stubs.channel).Check(
        health_pb2.HealthCheckRequest()
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_keys_come_from_env_and_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# rotated 2026-11\nfile-key\n\n")
    config = Config.from_env({"STIGMER_API_KEYS": "a, b", "STIGMER_API_KEYS_FILE": str(keys_file)})
    assert config.api_keys == (b"a", b"b", b"file-key")
    assert "file-key" not in repr(config)
    assert load_api_keys("", "") == ()
    with pytest.raises(ConfigError, match="STIGMER_API_KEYS_FILE"):
        Config.from_env({"STIGMER_API_KEYS_FILE": str(tmp_path / "missing")})
