"""Property-based bad input against every RPC of a real stigmer-server process.

Whatever a client sends, the server answers with a specific status (never UNKNOWN, INTERNAL or
UNAVAILABLE), stays up, and a rejected call leaves Redis byte-for-byte unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stigmer_devstack.ports import free_port
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt

pytestmark = pytest.mark.e2e

FORBIDDEN = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE}
PROPERTY = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Server:
    """A stigmer-server subprocess (API-only) with sync stubs and a Redis snapshot helper."""

    def __init__(self, redis_url: str) -> None:
        self.prefix = f"prop-{uuid.uuid4().hex[:8]}"
        port = free_port()
        env = {
            **os.environ,
            "GRPC_PORT": str(port),
            "GRPC_HOST": "127.0.0.1",
            "REDIS_URL": redis_url,
            "STIGMER_REDIS_KEY_PREFIX": self.prefix,
            "TEMPORAL_DISABLED": "true",
            "GRPC_MAX_MESSAGE_BYTES": str(1024 * 1024),
            "LOG_LEVEL": "ERROR",
        }
        self.proc = subprocess.Popen([sys.executable, "-m", "stigmer_server.main"], env=env)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.wf = wf_cmd.WorkflowCommandControllerStub(self.channel)
        self.wfq = wf_qry.WorkflowQueryControllerStub(self.channel)
        self.wex = wex_cmd.WorkflowExecutionCommandControllerStub(self.channel)
        self.wexq = wex_qry.WorkflowExecutionQueryControllerStub(self.channel)
        self.redis = redis.Redis.from_url(redis_url, protocol=3)

    def snapshot(self) -> dict[bytes, Any]:
        out: dict[bytes, Any] = {}
        for key in self.redis.scan_iter(match=f"{{{self.prefix}:*"):
            kind = self.redis.type(key)
            read: dict[bytes, Callable[[bytes], Any]] = {
                b"hash": self.redis.hgetall,
                b"zset": lambda k: self.redis.zrange(k, 0, -1, withscores=True),
                b"string": self.redis.get,
                b"stream": self.redis.xrange,
            }
            out[key] = read[kind](key)
        return out

    def close(self) -> None:
        self.channel.close()
        self.redis.close()
        self.proc.terminate()
        self.proc.wait(timeout=15)


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[Server]:
    s = Server(redis_url)
    yield s
    assert s.proc.poll() is None, "the server died during the property tests"
    s.close()


@pytest.fixture(scope="module")
def known(server: Server) -> dict[str, str]:
    """A valid workflow and execution to aim updates at."""
    workflow = server.wf.create(
        wf.Workflow(
            metadata=ar.ApiResourceMetadata(name="known", org="prop"),
            spec=wf.WorkflowSpec(
                document=wf.WorkflowDocument(
                    dsl="1.0.0", namespace="p", name="known", version="1.0.0"
                ),
                tasks=[
                    wf.WorkflowTask(
                        name="a",
                        kind=ar.WorkflowTaskKind.SET,
                        task_config=wkt.Struct.from_dict({"set": {"a": 1}}),
                    )
                ],
            ),
        )
    )
    execution = server.wex.create(
        wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(name="known-run", org="prop"),
            spec=wex.WorkflowExecutionSpec(workflow_id=workflow.metadata.id),
        )
    )
    return {"workflow": workflow.metadata.id, "execution": execution.metadata.id}


def _call(server: Server, rpc: Callable[[Any], Any], request: Any) -> grpc.StatusCode:
    """Call ``rpc``; a rejected call must leave the store unchanged. Returns the status."""
    before = server.snapshot()
    try:
        result = rpc(request)
        if hasattr(result, "__iter__") and not hasattr(result, "metadata"):
            for _ in result:
                pass
    except grpc.RpcError as err:
        code = err.code()
        assert code not in FORBIDDEN, f"{code}: {err.details()}"
        assert server.snapshot() == before, f"{code} changed the store"
        return code
    return grpc.StatusCode.OK


text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=300, max_size=3000),
    st.sampled_from(["", " ", "wfl-", "../x", "{tag}", "\x00"]),
)
enum_value = st.integers(min_value=-3, max_value=40)
json_leaf = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
struct = st.dictionaries(st.text(max_size=10), json_value, max_size=5).map(wkt.Struct.from_dict)
metadata = st.builds(
    ar.ApiResourceMetadata, name=text, org=text, slug=text, id=text, tags=st.lists(text, max_size=3)
)


@PROPERTY
@given(md=metadata, kind=enum_value, dsl=text, task_name=text, config=struct)
def test_create_workflow(
    server: Server,
    md: ar.ApiResourceMetadata,
    kind: int,
    dsl: str,
    task_name: str,
    config: wkt.Struct,
) -> None:
    request = wf.Workflow(
        metadata=md,
        spec=wf.WorkflowSpec(
            document=wf.WorkflowDocument(dsl=dsl, namespace="n", name="n", version="1"),
            tasks=[
                wf.WorkflowTask(
                    name=task_name,
                    kind=ar.WorkflowTaskKind(kind) if 0 <= kind <= 20 else kind,
                    task_config=config,
                )
            ],  # type: ignore[arg-type]
        ),
    )
    _call(server, server.wf.create, request)


@PROPERTY
@given(md=metadata, workflow_id=text, instance_id=text, data=struct, message=text)
def test_create_execution(
    server: Server,
    md: ar.ApiResourceMetadata,
    workflow_id: str,
    instance_id: str,
    data: wkt.Struct,
    message: str,
) -> None:
    request = wex.WorkflowExecution(
        metadata=md,
        spec=wex.WorkflowExecutionSpec(
            workflow_id=workflow_id,
            workflow_instance_id=instance_id,
            input=data,
            trigger_message=message,
        ),
    )
    _call(server, server.wex.create, request)


@PROPERTY
@given(
    use_known=st.booleans(),
    other_id=text,
    phase=enum_value,
    task_id=text,
    task_status=enum_value,
    output=struct,
)
def test_update_status(
    server: Server,
    known: dict[str, str],
    use_known: bool,
    other_id: str,
    phase: int,
    task_id: str,
    task_status: int,
    output: wkt.Struct,
) -> None:
    status = wex.WorkflowExecutionStatus(
        phase=phase,  # type: ignore[arg-type]
        output=output,
        tasks=[wex.WorkflowTask(task_id=task_id, status=task_status)],  # type: ignore[arg-type]
    )
    request = wex.WorkflowExecutionUpdateStatusInput(
        execution_id=known["execution"] if use_known else other_id, status=status
    )
    _call(server, server.wex.updateStatus, request)


@PROPERTY
@given(value=text)
def test_lookups_and_deletes(server: Server, value: str) -> None:
    _call(server, server.wfq.get, wf.WorkflowId(value=value))
    _call(server, server.wexq.get, wex.WorkflowExecutionId(value=value))
    _call(server, server.wex.delete, ar.ApiResourceId(value=value))
    _call(server, server.wexq.subscribe, wex.SubscribeWorkflowExecutionRequest(execution_id=value))


@PROPERTY
@given(
    size=st.integers(min_value=-5, max_value=500),
    token=text,
    phase=enum_value,
    tags=st.lists(text, max_size=3),
)
def test_list(server: Server, size: int, token: str, phase: int, tags: list[str]) -> None:
    request = wex.ListWorkflowExecutionsRequest(
        page_size=size, page_token=token, phase=phase, tags=tags
    )  # type: ignore[arg-type]
    _call(server, server.wexq.list, request)


def test_oversized_request_is_resource_exhausted(server: Server) -> None:
    request = wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(name="huge", org="prop"),
        spec=wex.WorkflowExecutionSpec(
            workflow_id="wfl-x", trigger_message="x" * (2 * 1024 * 1024)
        ),
    )
    assert _call(server, server.wex.create, request) == grpc.StatusCode.RESOURCE_EXHAUSTED


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _deep_struct(depth: int) -> bytes:
    """Wire bytes of a Struct nested ``depth`` times ({"n": {"n": ...}}), built without recursion."""
    struct = b""
    for _ in range(depth):
        value = _field(5, struct)  # Value.struct_value
        entry = _field(1, b"n") + _field(2, value)  # map entry key/value
        struct = _field(1, entry)  # Struct.fields
    return struct


@pytest.mark.parametrize("depth", [60, 5000])
def test_deep_struct_is_rejected_cleanly(server: Server, known: dict[str, str], depth: int) -> None:
    status = _field(3, _deep_struct(depth))  # WorkflowExecutionStatus.output
    request = _field(1, known["execution"].encode()) + _field(2, status)
    update = server.channel.unary_unary(
        "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/updateStatus"
    )
    code = _call(server, update, request)
    # Earlier property tests may have ended the execution: a terminal one refuses updates.
    assert code in (
        grpc.StatusCode.OK,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
    )
