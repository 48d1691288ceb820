"""Idempotent create and the reconciler on a real Temporal dev server and real Redis.

"A server killed between the store write and the Temporal start" is produced the way it
happens: the execution is created by services without a launcher (exactly the store write of
``create``, and nothing after it); a launcher is installed afterwards, as a restarted replica has.
No worker polls the test's queues, so started workflows stay RUNNING until the test ends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest_asyncio
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.temporal_client import TemporalConnectionConfig
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.server import Services, build_services
from stigmer_server.store.claims import RedisClaims
from stigmer_server.store.connection import connect
from stigmer_server.store.redis_store import RedisStore
from stigmer_server.workflowexecution.reconciler import Reconciler, ReconcilerSettings
from stigmer_server.workflowexecution.request_ids import CreateRequestId
from stigmer_server.workflowexecution.temporal.config import TemporalConfig
from stigmer_server.workflowexecution.temporal.connection import TemporalConnection
from stigmer_server.workflowexecution.temporal.creator import TemporalWorkflowCreator
from stigmer_server.workflowexecution.temporal.names import workflow_id
from temporalio.client import Client

P = wex.ExecutionPhase
BOUND_S = 30  # how long a test waits for the reconciler before failing (not a timing claim)


@pytest_asyncio.fixture
async def services(redis_url: str) -> AsyncIterator[Services]:
    """The service layer on the session Redis (own prefix), with request-id claims."""
    prefix = f"test-{uuid.uuid4().hex}"
    client = connect(redis_url, max_connections=8)
    store = RedisStore(client, prefix)
    yield build_services(store, launcher=None, claims=RedisClaims(client, prefix))
    await store.close()


@pytest_asyncio.fixture
async def creator(
    services: Services, temporal_client: Client, temporal_address: str
) -> AsyncIterator[TemporalWorkflowCreator]:
    """A launcher on fresh queues (not installed: each test installs it when it "restarts")."""
    config = TemporalConfig(
        connection=replace(TemporalConnectionConfig(), address=temporal_address),
        stigmer_task_queue=f"stigmer-{uuid.uuid4()}",
        runner_task_queue=f"runner-{uuid.uuid4()}",
        execution_timeout=timedelta(minutes=5),
    )
    yield TemporalWorkflowCreator(
        config, TemporalConnection(config, temporal_client), services.executions
    )


async def new_workflow(services: Services) -> str:
    created = await services.workflows.create(
        wf.Workflow(
            metadata=ar.ApiResourceMetadata(name=f"wf-{uuid.uuid4().hex[:8]}", org="acme"),
            spec=wf.WorkflowSpec(
                document=wf.WorkflowDocument(
                    dsl="1.0.0", namespace="tests", name="reconciled", version="1.0.0"
                ),
                tasks=[
                    wf.WorkflowTask(
                        name="noop",
                        kind=ar.WorkflowTaskKind.SET,
                        task_config=wkt.Struct.from_dict({"set": {"ok": True}}),
                    )
                ],
            ),
        )
    )
    assert created.metadata is not None
    return created.metadata.id


def request(workflow: str, name: str = "run") -> wex.WorkflowExecution:
    return wex.WorkflowExecution(
        metadata=ar.ApiResourceMetadata(name=name, org="acme"),
        spec=wex.WorkflowExecutionSpec(workflow_id=workflow),
    )


async def terminate(client: Client, execution_id: str) -> None:
    with contextlib.suppress(Exception):
        await client.get_workflow_handle(workflow_id(execution_id)).terminate("test over")


async def test_a_retry_after_a_crash_before_the_start_starts_the_same_execution(
    services: Services, creator: TemporalWorkflowCreator, temporal_client: Client
) -> None:
    workflow = await new_workflow(services)
    rid = CreateRequestId("retry-after-crash", "caller")
    stranded = await services.executions.create(request(workflow), rid)  # died after the write
    assert stranded.metadata is not None
    eid = stranded.metadata.id
    assert await creator.run_state(eid) is None

    services.executions.launcher = creator  # the client retries against a live replica
    try:
        retried = await services.executions.create(request(workflow), rid)
        again = await services.executions.create(request(workflow), rid)
        assert retried.metadata is not None and again.metadata is not None
        assert retried.metadata.id == again.metadata.id == eid
        assert retried.status is not None
        assert retried.status.temporal_workflow_id == workflow_id(eid)
        assert await creator.run_state(eid) == "RUNNING"
    finally:
        await terminate(temporal_client, eid)


async def test_the_reconciler_starts_an_execution_stranded_pending(
    services: Services, creator: TemporalWorkflowCreator, temporal_client: Client
) -> None:
    workflow = await new_workflow(services)
    stranded = await services.executions.create(request(workflow))
    assert stranded.metadata is not None
    eid = stranded.metadata.id

    services.executions.launcher = creator  # a restarted replica
    reconciler = Reconciler(
        services.executions,
        creator,
        ReconcilerSettings(interval_s=0.2, min_age_s=0),
        services.executions.claims,
    )
    loop = asyncio.create_task(reconciler.run_forever())
    try:
        for _ in range(BOUND_S * 10):  # the reconciler's passes run every 0.2 s
            if (await services.executions.get(eid)).status.temporal_workflow_id:
                break
            await asyncio.sleep(0.1)
        assert await creator.run_state(eid) == "RUNNING"
        stored = await services.executions.get(eid)
        assert stored.status is not None and stored.status.phase == P.EXECUTION_PENDING
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await terminate(temporal_client, eid)


async def test_the_reconciler_fails_an_execution_whose_workflow_is_gone(
    services: Services, creator: TemporalWorkflowCreator, temporal_client: Client
) -> None:
    services.executions.launcher = creator
    workflow = await new_workflow(services)
    running = await services.executions.create(request(workflow, "gone"))
    kept = await services.executions.create(request(workflow, "kept"))
    assert running.metadata is not None and kept.metadata is not None
    await temporal_client.get_workflow_handle(workflow_id(running.metadata.id)).terminate("ops")
    try:
        reconciler = Reconciler(services.executions, creator, ReconcilerSettings(60, 0))
        report = await reconciler.run_pass()
        assert (report.started, report.failed) == (0, 1)
        gone = await services.executions.get(running.metadata.id)
        assert gone.status is not None and gone.status.phase == P.EXECUTION_FAILED
        assert "TERMINATED" in gone.status.error
        alive = await services.executions.get(kept.metadata.id)
        assert alive.status is not None and alive.status.phase == P.EXECUTION_PENDING
        # A second pass finds nothing more to do: the failed one is terminal now.
        assert (await reconciler.run_pass()).failed == 0
    finally:
        await terminate(temporal_client, kept.metadata.id)


async def test_the_reconciler_fails_a_subflow_whose_parent_never_started_it(
    services: Services, creator: TemporalWorkflowCreator, temporal_client: Client
) -> None:
    services.executions.launcher = creator
    workflow = await new_workflow(services)
    parent = await services.executions.create(request(workflow, "parent"))
    assert parent.metadata is not None
    try:
        # The parent's runner created the subflow, then died before starting its workflow.
        child = await services.executions.create_subflow(
            wex.WorkflowExecutionCreateSubflowInput(
                parent_execution_id=parent.metadata.id,
                parent_task_id="/do/0/child",
                namespace="tests",
                name="reconciled",
                version="1.0.0",
                call_id="c1",
            )
        )
        assert child.metadata is not None
        reconciler = Reconciler(services.executions, creator, ReconcilerSettings(60, 0))
        report = await reconciler.run_pass()
        assert (report.started, report.failed) == (0, 1)
        stranded = await services.executions.get(child.metadata.id)
        assert stranded.status is not None and stranded.status.phase == P.EXECUTION_FAILED
        assert "no longer exists" in stranded.status.error
    finally:
        await terminate(temporal_client, parent.metadata.id)


async def test_the_reconciler_leaves_young_executions_to_their_create(
    services: Services, creator: TemporalWorkflowCreator
) -> None:
    workflow = await new_workflow(services)
    stranded = await services.executions.create(request(workflow))
    assert stranded.metadata is not None
    services.executions.launcher = creator
    reconciler = Reconciler(services.executions, creator, ReconcilerSettings(60, 3600))
    assert (await reconciler.run_pass()).examined == 0
    assert await creator.run_state(stranded.metadata.id) is None


async def test_one_replica_at_a_time_holds_the_pass(services: Services) -> None:
    claims = services.executions.claims
    assert claims is not None
    assert await claims.lease(WORKFLOW_EXECUTION, "reconciler", "a", 60_000)
    assert not await claims.lease(WORKFLOW_EXECUTION, "reconciler", "b", 60_000)
