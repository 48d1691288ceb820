from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ss_helpers import execution_msg, stubs_for, workflow_msg
from stigmer_devstack.ports import free_port
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google.protobuf import Struct
from stigmer_protos.limits import (
    CLOSED_STREAM_TTL_SECONDS,
    MAX_STREAM_ENTRY_BYTES,
)
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.store.connection import connect
from stigmer_server.store.keys import KindKeys
from stigmer_server.workflowexecution.subscription import Subscriptions

P = wex.ExecutionPhase
T = wex.WorkflowTaskStatus


def upd(
    eid: str, phase: wex.ExecutionPhase = P.EXECUTION_PHASE_UNSPECIFIED, task: str = ""
) -> wex.WorkflowExecutionUpdateStatusInput:
    tasks = [wex.WorkflowTask(task_id=task, status=T.WORKFLOW_TASK_COMPLETED)] if task else []
    return wex.WorkflowExecutionUpdateStatusInput(
        execution_id=eid, status=wex.WorkflowExecutionStatus(phase=phase, tasks=tasks)
    )


async def new_execution(api: Any) -> str:
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(execution_msg(workflow_id=w.metadata.id))
    return str(e.metadata.id)


async def test_snapshot_then_updates_until_terminal(api: Any) -> None:
    eid = await new_execution(api)
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))
    first = await stream.read()
    assert first.status.phase == P.EXECUTION_PENDING
    await api.stubs.wex.updateStatus(upd(eid, P.EXECUTION_IN_PROGRESS))
    await api.stubs.wex.updateStatus(upd(eid, task="a"))
    await api.stubs.wex.updateStatus(upd(eid, P.EXECUTION_COMPLETED))
    rest = await asyncio.wait_for(_drain(stream), 10)
    assert [m.status.phase for m in rest] == [
        P.EXECUTION_IN_PROGRESS,
        P.EXECUTION_IN_PROGRESS,
        P.EXECUTION_COMPLETED,
    ]
    assert [t.task_id for t in rest[-1].status.tasks] == ["a"]
    assert await stream.code() == grpc.StatusCode.OK


async def test_already_terminal_sends_one_message_and_ends(api: Any) -> None:
    eid = await new_execution(api)
    await api.stubs.wex.updateStatus(upd(eid, P.EXECUTION_FAILED))
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))
    msgs = await asyncio.wait_for(_drain(stream), 5)
    assert [m.status.phase for m in msgs] == [P.EXECUTION_FAILED]


async def _drain(stream: Any) -> list[Any]:
    out = []
    while (msg := await stream.read()) is not grpc.aio.EOF:
        out.append(msg)
    return out


async def test_unknown_and_empty_ids(api: Any) -> None:
    for req, code in [
        (wex.SubscribeWorkflowExecutionRequest(execution_id="wex-nope"), grpc.StatusCode.NOT_FOUND),
        (wex.SubscribeWorkflowExecutionRequest(), grpc.StatusCode.INVALID_ARGUMENT),
    ]:
        stream = api.stubs.wexq.subscribe(req)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stream.read()
        assert err.value.code() == code


async def test_deleted_execution_ends_the_stream(api: Any) -> None:
    eid = await new_execution(api)
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))
    await stream.read()
    await api.stubs.wex.delete(ar.ApiResourceId(value=eid))
    assert await asyncio.wait_for(_drain(stream), 5) == []


async def test_update_racing_the_snapshot_is_not_lost(api: Any) -> None:
    """Writes between the snapshot and the first stream read all reach the subscriber."""
    eid = await new_execution(api)
    store = api.server.store
    subs = Subscriptions(store, block_ms=200)
    real = store.snapshot_with_position
    writes_done = asyncio.Event()

    async def snapshot_then_race(kind: Any, rid: str) -> Any:
        result = await real(kind, rid)
        # The terminal update (and others) happen after the snapshot, before reading the stream.
        await api.server.services.executions.update_status(
            eid, wex.WorkflowExecutionStatus(phase=P.EXECUTION_IN_PROGRESS)
        )
        await api.server.services.executions.update_status(
            eid, wex.WorkflowExecutionStatus(phase=P.EXECUTION_COMPLETED)
        )
        writes_done.set()
        return result

    store.snapshot_with_position = snapshot_then_race  # type: ignore[method-assign]
    try:
        seen = [wex.WorkflowExecution.parse(e).status.phase async for e in subs.follow(eid)]
    finally:
        store.snapshot_with_position = real  # type: ignore[method-assign]
    assert writes_done.is_set()
    assert seen == [P.EXECUTION_PENDING, P.EXECUTION_IN_PROGRESS, P.EXECUTION_COMPLETED]


async def test_many_concurrent_updates_all_reach_the_subscriber(api: Any) -> None:
    eid = await new_execution(api)
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))
    await stream.read()
    await asyncio.gather(*(api.stubs.wex.updateStatus(upd(eid, task=f"t{i}")) for i in range(20)))
    await api.stubs.wex.updateStatus(upd(eid, P.EXECUTION_COMPLETED))
    msgs = await asyncio.wait_for(_drain(stream), 10)
    assert len(msgs) == 21
    assert sorted(t.task_id for t in msgs[-1].status.tasks) == sorted(f"t{i}" for i in range(20))


def _start_server(port: int, redis_url: str, prefix: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GRPC_PORT": str(port),
        "GRPC_HOST": "127.0.0.1",
        "REDIS_URL": redis_url,
        "STIGMER_REDIS_KEY_PREFIX": prefix,
        "TEMPORAL_DISABLED": "true",
        "STIGMER_SUBSCRIBE_BLOCK_MS": "200",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "stigmer_server.main"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,
    )


async def _wait_serving(port: int) -> None:
    # Generous: on a loaded 2-core machine a server process took over 20 s to start.
    deadline = asyncio.get_running_loop().time() + 90
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        while True:
            try:
                r = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if r.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"server on {port} never became SERVING")
            await asyncio.sleep(0.1)


async def test_subscriber_on_one_process_sees_writes_through_another(
    redis_url: str, tmp_path: Path
) -> None:
    prefix = f"t{uuid.uuid4().hex}"
    ports = [free_port("127.0.0.1"), free_port("127.0.0.1")]
    procs = [_start_server(p, redis_url, prefix, tmp_path / f"{p}.log") for p in ports]
    channels: list[grpc.aio.Channel] = []
    try:
        await asyncio.gather(*(_wait_serving(p) for p in ports))
        channels = [grpc.aio.insecure_channel(f"127.0.0.1:{p}") for p in ports]
        a, b = (stubs_for(c) for c in channels)
        w = await b.wf.create(workflow_msg())
        e = await b.wex.create(execution_msg(workflow_id=w.metadata.id))
        eid = e.metadata.id
        stream = a.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))
        assert (await stream.read()).status.phase == P.EXECUTION_PENDING
        await b.wex.updateStatus(upd(eid, P.EXECUTION_IN_PROGRESS, task="x"))
        await b.wex.updateStatus(upd(eid, P.EXECUTION_COMPLETED))
        rest = await asyncio.wait_for(_drain(stream), 10)
        assert [m.status.phase for m in rest] == [P.EXECUTION_IN_PROGRESS, P.EXECUTION_COMPLETED]
        assert rest[0].status.tasks[0].task_id == "x"
    finally:
        for c in channels:
            await c.close()
        for p in procs:
            p.terminate()
        for p in procs:
            assert p.wait(timeout=20) == 0  # SIGTERM -> graceful exit


async def test_live_subscriptions_are_capped(make_api: Any) -> None:
    api = await make_api(max_subscriptions=2, redis_max_connections=8)
    eid = await new_execution(api)
    request = wex.SubscribeWorkflowExecutionRequest(execution_id=eid)
    first, second = api.stubs.wexq.subscribe(request), api.stubs.wexq.subscribe(request)
    assert (await first.read()).metadata.id == eid
    assert (await second.read()).metadata.id == eid
    third = api.stubs.wexq.subscribe(request)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await third.read()
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    first.cancel()
    await asyncio.sleep(0.3)  # the server notices the cancelled stream and frees its slot
    fourth = api.stubs.wexq.subscribe(request)
    assert (await fourth.read()).metadata.id == eid
    # Writes still get connections while subscriptions are at the limit.
    await api.stubs.wex.updateStatus(upd(eid, P.EXECUTION_COMPLETED))
    second.cancel()
    fourth.cancel()


async def test_large_states_reach_subscribers_through_small_stream_entries(api: Any) -> None:
    """States over the entry bound are announced by a pointer; the subscriber reads the record."""
    eid = await new_execution(api)
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))
    await stream.read()
    big = Struct.from_dict({"blob": "v" * 6000})
    for i in range(3):
        task = wex.WorkflowTask(task_id=f"t{i}", status=T.WORKFLOW_TASK_COMPLETED, output=big)
        await api.stubs.wex.updateStatus(
            wex.WorkflowExecutionUpdateStatusInput(
                execution_id=eid, status=wex.WorkflowExecutionStatus(tasks=[task])
            )
        )
    await api.stubs.wex.updateStatus(upd(eid, P.EXECUTION_COMPLETED))
    rest = await asyncio.wait_for(_drain(stream), 10)
    assert rest[-1].status.phase == P.EXECUTION_COMPLETED
    assert [t.task_id for t in rest[-1].status.tasks] == ["t0", "t1", "t2"]
    counts = [len(m.status.tasks) for m in rest]
    assert counts == sorted(counts)  # never an older state after a newer one

    key = KindKeys(api.prefix, WORKFLOW_EXECUTION).events(eid)
    async with connect(api.redis_url, max_connections=4) as client:
        entries = await client.xrange(key)
        ttl = await client.ttl(key)
    sizes = [sum(len(v) for v in fields.values()) for _, fields in entries]
    assert max(sizes) <= MAX_STREAM_ENTRY_BYTES
    assert sum(1 for _, fields in entries if b"r" in fields) >= 2
    assert 0 < ttl <= CLOSED_STREAM_TTL_SECONDS  # a terminal stream expires
