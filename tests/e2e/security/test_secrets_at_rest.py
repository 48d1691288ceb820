"""Secrets through real services: write-only API, sealed in Redis (and its AOF/RDB), served
only to the execution's own interpreter workflow while it runs.

stigmer-server and workflow-runner run as subprocesses against a Redis of this module that
persists with AOF (as the dev stack's does), so the files on disk are checked too.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
import redis.asyncio as aioredis
import yaml
from stigmer_devstack.config import StackConfig
from stigmer_devstack.redis_server import RedisServer, start_redis, stop_pid
from stigmer_devstack.secrets_key import KEYS_FILE_SETTING, KEYS_SETTING
from stigmer_devstack.stack import Stack
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.environment.v1 import EnvironmentSpec, EnvironmentValue
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.executions import create_execution, follow, org_metadata
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.stack import run_services, service_env

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
REDACTED = "<redacted>"  # the API's placeholder (stigmer_server.secrets.redaction.REDACTED)


class _Recorder(QuietHandler):
    headers_seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        _Recorder.headers_seen.append(dict(self.headers.items()))
        self.reply(200, b'{"ok": true}')


@pytest.fixture(scope="module")
def http_stub() -> Iterator[str]:
    """A loopback HTTP server that records the headers of every request."""
    with serve_http(_Recorder) as url:
        yield url


@pytest.fixture(scope="module")
def aof_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis of this module only, persisting every write to its AOF."""
    server = start_redis(tmp_path_factory.mktemp("aof-redis"), appendonly=True)
    yield server
    stop_pid(server.pid)


@pytest.fixture(scope="module")
def endpoint(temporal_address: str, aof_redis: RedisServer) -> Iterator[str]:
    """Both services on the module's Redis, with a fresh secrets key and fresh queues."""
    with run_services(service_env(aof_redis.url, temporal_address, "sec")) as services:
        yield services.endpoint


@pytest_asyncio.fixture
async def channel(endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(endpoint) as ch:
        yield ch


def _workflow(name: str, stub: str, wf_secret: str, marker: str) -> wf.Workflow:
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "use": {"secrets": ["API_TOKEN", "WF_TOKEN"]},
        "do": [
            {
                "callStub": {
                    "call": "http",
                    "with": {
                        "method": "get",
                        "endpoint": f"{stub}/check",
                        "headers": {
                            "X-Api-Token": "${ $secrets.API_TOKEN }",
                            "X-Wf-Token": "${ $secrets.WF_TOKEN }",
                        },
                    },
                }
            }
        ],
    }
    spec = dsl_to_workflow_spec(yaml.safe_dump(document))
    spec.env_spec = EnvironmentSpec(
        data={
            "WF_TOKEN": EnvironmentValue(value=wf_secret, is_secret=True),
            "WF_MARKER": EnvironmentValue(value=marker),
        }
    )
    return wf.Workflow(metadata=org_metadata(name), spec=spec)


def _assert_redacted(execution: wex.WorkflowExecution, marker: str) -> None:
    env = execution.spec.runtime_env
    assert env["API_TOKEN"] == ExecutionValue(value=REDACTED, is_secret=True)
    assert env["EX_MARKER"] == ExecutionValue(value=marker)


async def _redis_contents(url: str) -> list[bytes]:
    """Every key's DUMP and its readable content (by type), as bytes."""
    client = aioredis.from_url(url)
    blobs: list[bytes] = []
    try:
        async for key in client.scan_iter(count=1000):
            blobs.append(key)
            dumped = await client.dump(key)
            assert dumped is not None
            blobs.append(dumped)
            kind = (await client.type(key)).decode()
            if kind == "hash":
                blobs += [b for kv in (await client.hgetall(key)).items() for b in kv]
            elif kind == "stream":
                for _, fields in await client.xrange(key):
                    blobs += [b for kv in fields.items() for b in kv]
            elif kind == "zset":
                blobs += await client.zrange(key, 0, -1)
            elif kind == "string":
                blobs.append(await client.get(key))
            else:
                raise AssertionError(f"unexpected key type {kind} of {key!r}")
        # Write an uncompressed RDB too, so that its bytes can be searched.
        await client.config_set("rdbcompression", "no")
        await client.save()
    finally:
        await client.aclose()
    return blobs


def _files(data_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in data_dir.rglob("*")
        if p.is_file() and p.name != "redis.log"
    }


async def test_secrets_are_write_only_sealed_at_rest_and_reach_the_call(
    channel: grpc.aio.Channel, http_stub: str, aof_redis: RedisServer
) -> None:
    run = uuid.uuid4().hex
    ex_secret, wf_secret = f"ex-s3cr3t-{run}", f"wf-s3cr3t-{run}"
    ex_marker, wf_marker = f"ex-marker-{run}", f"wf-marker-{run}"
    name = f"secrets-{run[:8]}"
    applied = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
        _workflow(name, http_stub, wf_secret, wf_marker)
    )
    assert applied.spec.env_spec.data["WF_TOKEN"].value == REDACTED
    created = await create_execution(
        channel,
        applied.metadata.id,
        f"run-{name}",
        secrets={"API_TOKEN": ex_secret},
        plain={"EX_MARKER": ex_marker},
    )
    _assert_redacted(created, ex_marker)
    eid = created.metadata.id
    query = wex_qry.WorkflowExecutionQueryControllerStub(channel)
    seen = await follow(channel, eid, within=60)
    final = seen[-1]
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    for update in seen:
        _assert_redacted(update, ex_marker)

    # The call got both secrets (the execution's and the workflow's).
    sent = [h for h in _Recorder.headers_seen if h.get("X-Api-Token") == ex_secret]
    assert sent and sent[-1].get("X-Wf-Token") == wf_secret

    # Every read shows the placeholder.
    _assert_redacted(await query.get(wex.WorkflowExecutionId(value=eid)), ex_marker)
    listed = await query.list(wex.ListWorkflowExecutionsRequest(page_size=100))
    _assert_redacted(next(e for e in listed.entries if e.metadata.id == eid), ex_marker)
    by_wf = await query.listByWorkflow(
        wex.ListWorkflowExecutionsByWorkflowRequest(workflow_id=applied.metadata.id)
    )
    _assert_redacted(by_wf.entries[0], ex_marker)
    got_wf = await wf_qry.WorkflowQueryControllerStub(channel).get(
        wf.WorkflowId(value=applied.metadata.id)
    )
    assert got_wf.spec.env_spec.data["WF_TOKEN"] == EnvironmentValue(value=REDACTED, is_secret=True)
    assert got_wf.spec.env_spec.data["WF_MARKER"].value == wf_marker

    # The runner's read is refused once the execution is over, and to any other workflow.
    for runner_id, code in (
        (interpreter_workflow_id(eid), grpc.StatusCode.FAILED_PRECONDITION),
        (f"stigmer/workflow-execution/invoke/{eid}", grpc.StatusCode.PERMISSION_DENIED),
        (interpreter_workflow_id("wex-other"), grpc.StatusCode.PERMISSION_DENIED),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await query.getSecrets(
                wex.GetWorkflowExecutionSecretsRequest(
                    execution_id=eid, runner_workflow_id=runner_id
                )
            )
        assert refused.value.code() == code
        assert ex_secret not in (refused.value.details() or "")

    # No byte of either secret in Redis: keys, values, streams, the AOF and an RDB.
    blobs = await _redis_contents(aof_redis.url)
    files = _files(aof_redis.data_dir)
    assert any(name.endswith(".aof") for name in files) and "dump.rdb" in files
    for secret in (ex_secret, wf_secret):
        needle = secret.encode()
        assert not any(needle in blob for blob in blobs), f"{secret} found in Redis"
        for name, content in files.items():
            assert needle not in content, f"{secret} found in {name}"
    # The search can fail: the non-secret values next to the secrets are found everywhere.
    for marker in (ex_marker, wf_marker):
        assert any(marker.encode() in blob for blob in blobs)
        assert any(marker.encode() in c for n, c in files.items() if n.endswith(".aof"))
        assert marker.encode() in files["dump.rdb"]


async def _run_to_end(channel: grpc.aio.Channel, workflow_id: str, ex_secret: str) -> None:
    created = await create_execution(
        channel, workflow_id, f"run-{uuid.uuid4().hex[:8]}", secrets={"API_TOKEN": ex_secret}
    )
    last = (await follow(channel, created.metadata.id, within=60))[-1]
    assert last.status.phase == Phase.EXECUTION_COMPLETED, last.status.error


async def test_the_dev_stack_keeps_its_key_across_restarts(
    tmp_path: Path, http_stub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEYS_SETTING, raising=False)
    monkeypatch.delenv(KEYS_FILE_SETTING, raising=False)
    run = uuid.uuid4().hex
    wf_secret = f"wf-devstack-{run}"
    with Stack(StackConfig.ephemeral(tmp_path)) as first:
        keys = tmp_path / "secrets.keys"
        assert keys.stat().st_mode & 0o777 == 0o600
        async with grpc.aio.insecure_channel(first.grpc) as channel:
            applied = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
                _workflow(f"devstack-{run[:8]}", http_stub, wf_secret, "m")
            )
            await _run_to_end(channel, applied.metadata.id, f"ex1-{run}")
    key_before = keys.read_text()
    # Restarted on the same data: the workflow's sealed secret still opens.
    with Stack(StackConfig.ephemeral(tmp_path)) as second:
        async with grpc.aio.insecure_channel(second.grpc) as channel:
            await _run_to_end(channel, applied.metadata.id, f"ex2-{run}")
    assert keys.read_text() == key_before
    sent = [h for h in _Recorder.headers_seen if h.get("X-Api-Token") == f"ex2-{run}"]
    assert sent and sent[-1].get("X-Wf-Token") == wf_secret
