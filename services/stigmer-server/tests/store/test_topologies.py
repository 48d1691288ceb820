"""The store and the API on a real 3-master Redis Cluster and a real Sentinel group.

The whole store/API suites also run on either with ``--redis-topology=cluster|sentinel``;
these tests run in every session: the slot proof, one flow through the API on the Cluster,
and a Sentinel failover in the middle of a run of status updates.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
import redis
from redis.crc import key_slot
from ss_helpers import execution_msg, workflow_msg
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_server.domain.kinds import WORKFLOW, WORKFLOW_EXECUTION, WORKFLOW_INSTANCE
from stigmer_server.server import Services, build_services
from stigmer_server.store import keys
from stigmer_server.store.claims import RedisClaims
from stigmer_server.store.connection import connect
from stigmer_server.store.redis_store import RedisStore
from stigmer_testing.redis_topologies import HOST, RedisClusterGroup, SentinelGroup

P = wex.ExecutionPhase
T = wex.WorkflowTaskStatus


@pytest.mark.parametrize("kind", [WORKFLOW, WORKFLOW_INSTANCE, WORKFLOW_EXECUTION])
def test_every_key_of_a_kind_is_in_one_slot(kind: Any) -> None:
    """What makes every MULTI/EXEC, WATCH, script and stream read single-slot on a Cluster."""
    k = keys.KindKeys("stigmer", kind)
    claims = RedisClaims(redis.asyncio.Redis(), "stigmer")  # key builder only, never connects
    rid = f"{kind.id_prefix}-01jabcdefghjkmnpqrstvwxyz0"
    built = [
        k.record(rid),
        k.events(rid),
        k.slug("acme:{x}", "a/b"),
        k.index(keys.INDEX_ALL),
        k.index(keys.index_by_workflow("wfl-{evil}")),
        k.index(keys.index_by_workflow_phase("wfl-1", 2)),
        k.index(keys.index_by_phase(1)),
        claims.claim_key(kind, ("create", "caller", "acme", "{id}")),
        f"{k.tag}:l:reconciler",
    ]
    assert {key_slot(key.encode()) for key in built} == {key_slot(k.tag.encode())}


async def test_the_api_on_a_cluster(make_api: Any, redis_cluster: RedisClusterGroup) -> None:
    api = await make_api(redis_url=redis_cluster.url)
    w = await api.stubs.wf.create(workflow_msg())
    e = await api.stubs.wex.create(
        execution_msg(workflow_id=w.metadata.id), metadata=(("x-request-id", "c1"),)
    )
    again = await api.stubs.wex.create(
        execution_msg(workflow_id=w.metadata.id), metadata=(("x-request-id", "c1"),)
    )
    assert again.metadata.id == e.metadata.id
    eid = e.metadata.id
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))

    async def report(i: int) -> None:
        await api.stubs.wex.updateStatus(
            wex.WorkflowExecutionUpdateStatusInput(
                execution_id=eid,
                status=wex.WorkflowExecutionStatus(
                    phase=P.EXECUTION_IN_PROGRESS,
                    tasks=[wex.WorkflowTask(task_id=f"t{i}", status=T.WORKFLOW_TASK_COMPLETED)],
                ),
            )
        )

    await asyncio.gather(*(report(i) for i in range(20)))
    await api.stubs.wex.updateStatus(
        wex.WorkflowExecutionUpdateStatusInput(
            execution_id=eid, status=wex.WorkflowExecutionStatus(phase=P.EXECUTION_COMPLETED)
        )
    )
    seen = [m async for m in stream]
    assert seen[-1].status.phase == P.EXECUTION_COMPLETED
    assert sorted(t.task_id for t in seen[-1].status.tasks) == sorted(f"t{i}" for i in range(20))
    page = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest(page_size=10))
    assert [x.metadata.id for x in page.entries] == [eid]
    await api.stubs.wex.delete(ar.ApiResourceId(value=eid))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wexq.get(wex.WorkflowExecutionId(value=eid))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


@pytest_asyncio.fixture
async def sentinel_services(redis_sentinel: SentinelGroup) -> AsyncIterator[Services]:
    prefix = f"t{uuid.uuid4().hex}"
    client = connect(redis_sentinel.url, max_connections=16)
    store = RedisStore(client, prefix)
    yield build_services(store, launcher=None, claims=RedisClaims(client, prefix))
    await store.close()


async def test_a_sentinel_failover_during_status_updates_loses_none(
    sentinel_services: Services, redis_sentinel: SentinelGroup
) -> None:
    services = sentinel_services
    workflow = await services.workflows.create(workflow_msg(name=f"f-{uuid.uuid4().hex[:6]}"))
    assert workflow.metadata is not None
    execution = await services.executions.create(execution_msg(workflow_id=workflow.metadata.id))
    assert execution.metadata is not None
    eid = execution.metadata.id
    old_master = redis_sentinel.master_port()
    acknowledged: list[str] = []
    retries = 0

    async def report(i: int) -> None:
        # The runner's contract: an update that fails is sent again until it is acknowledged.
        nonlocal retries
        update = wex.WorkflowExecutionStatus(
            phase=P.EXECUTION_IN_PROGRESS,
            tasks=[wex.WorkflowTask(task_id=f"t{i}", status=T.WORKFLOW_TASK_COMPLETED)],
        )
        for _ in range(300):
            try:
                await services.executions.update_status(eid, update)
                acknowledged.append(f"t{i}")
                return
            except (redis.RedisError, OSError):
                retries += 1
                await asyncio.sleep(0.1)
        raise AssertionError(f"update t{i} never went through")

    def fail_over() -> None:
        with redis.Redis(HOST, redis_sentinel.sentinels[0].port) as sentinel:
            sentinel.execute_command("SENTINEL FAILOVER", "stigmer")

    # Updates run until the new master has taken 50 of them, so the failover falls inside.
    failover = asyncio.create_task(asyncio.to_thread(fail_over))
    i, switched_at = 0, None
    while switched_at is None or i < switched_at + 50:
        await report(i)
        i += 1
        if switched_at is None and redis_sentinel.master_port() != old_master:
            switched_at = i
        assert i < 5000, "the failover never happened"
    await failover
    stored = await services.executions.get(eid)
    assert stored.status is not None
    assert sorted(t.task_id for t in stored.status.tasks) == sorted(acknowledged)
    assert len(acknowledged) == i
    print(f"sentinel failover: {i} updates, {retries} retried, switched after {switched_at}")
