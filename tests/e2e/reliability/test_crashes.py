"""Crash tests: each process of the system is killed (or cut off) mid-execution and restarted;
the execution still completes, every task is reported once and completed calls are not repeated.

The results are summarised in docs/reliability.md ("What survives what").
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stigmer_devstack.redis_server import start_redis, stop_pid

from .conftest import (
    HttpStub,
    Phase,
    Services,
    TemporalDevServer,
    assert_each_task_once,
    connect_temporal,
    doc,
    http_get,
)

pytestmark = pytest.mark.e2e


def _three_step(stub: HttpStub, middle: dict[str, Any], name: str) -> dict[str, Any]:
    """GET /first, then ``middle`` (task ``middle``), then GET /last."""
    return doc(
        name,
        [
            {"first": http_get(f"{stub.url}/first")},
            {"middle": middle},
            {"last": http_get(f"{stub.url}/last")},
        ],
    )


EXPECTED = ["/do/0/first", "/do/1/middle", "/do/2/last"]


async def test_runner_killed_inside_a_slow_http_call(
    services: Services, http_stub: HttpStub
) -> None:
    """SIGKILL the runner while an http call waits for its answer, restart it.

    The unanswered call is retried on the new runner (after the 10 s heartbeat timeout), so the
    stub sees ``/slow`` twice; ``/first``, answered before the kill, is never repeated.
    """
    workflow_id = await services.apply(
        _three_step(http_stub, http_get(f"{http_stub.url}/slow"), "kill-http")
    )
    execution_id = await services.create(workflow_id)
    assert await asyncio.to_thread(http_stub.arrived.wait, 60), "the slow call never came"
    services.kill_runner()
    services.start_runner()

    final = await services.wait_terminal(execution_id, within=120)

    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert_each_task_once(final, EXPECTED)
    assert http_stub.counts["/first"] == 1
    assert http_stub.counts["/last"] == 1
    assert http_stub.counts["/slow"] == 2, http_stub.counts  # the lost attempt was repeated


async def test_runner_killed_inside_a_wait(services: Services, http_stub: HttpStub) -> None:
    """SIGKILL the runner during a ``wait``, restart it: the durable timer fires on the new one."""
    workflow_id = await services.apply(
        _three_step(http_stub, {"wait": {"seconds": 6}}, "kill-wait")
    )
    execution_id = await services.create(workflow_id)
    await services.wait_task_started(execution_id, "/do/1/middle", within=60)
    services.kill_runner()
    await asyncio.sleep(0.5)
    services.start_runner()

    final = await services.wait_terminal(execution_id, within=120)

    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert_each_task_once(final, EXPECTED)
    assert http_stub.counts == {"/first": 1, "/last": 1}


async def test_server_killed_mid_execution(services: Services, http_stub: HttpStub) -> None:
    """SIGKILL stigmer-server during a ``wait``, restart it on the same port and Redis."""
    workflow_id = await services.apply(_three_step(http_stub, {"wait": {"seconds": 5}}, "kill-srv"))
    execution_id = await services.create(workflow_id)
    await services.wait_task_started(execution_id, "/do/1/middle", within=60)
    services.kill_server()
    await asyncio.sleep(2)
    services.start_server()

    final = await services.wait_terminal(execution_id, within=120)

    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert_each_task_once(final, EXPECTED)
    assert http_stub.counts == {"/first": 1, "/last": 1}


async def test_runner_cut_off_from_the_server_for_10s(
    services: Services, http_stub: HttpStub
) -> None:
    """Stop stigmer-server for 10 s while the runner keeps running tasks and reporting.

    The report made meanwhile is retried by the ``ReportTaskProgress`` local activity (for up
    to 3 minutes), which blocks the interpreter until it gets through, so the status catches up
    afterwards. What longer outages do: docs/reliability.md ("Known limits").
    """
    workflow_id = await services.apply(
        doc(
            "outage",
            [
                {"a": {"set": {"a": 1}}},
                {"w1": {"wait": {"seconds": 2}}},
                {"b": http_get(f"{http_stub.url}/b")},
                {"w2": {"wait": {"seconds": 2}}},
                {"c": http_get(f"{http_stub.url}/c")},
            ],
        )
    )
    execution_id = await services.create(workflow_id)
    await services.wait_task_started(execution_id, "/do/1/w1", within=60)
    services.stop_server()
    await asyncio.sleep(10)
    services.start_server()

    final = await services.wait_terminal(execution_id, within=120)

    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert_each_task_once(final, ["/do/0/a", "/do/1/w1", "/do/2/b", "/do/3/w2", "/do/4/c"])
    assert http_stub.counts == {"/b": 1, "/c": 1}


async def test_runner_stopped_gracefully_mid_execution(
    services: Services, http_stub: HttpStub
) -> None:
    """SIGTERM the runner during a ``wait`` (a rolling restart), start a new one."""
    workflow_id = await services.apply(_three_step(http_stub, {"wait": {"seconds": 6}}, "term"))
    execution_id = await services.create(workflow_id)
    await services.wait_task_started(execution_id, "/do/1/middle", within=60)
    services.stop_runner()
    services.start_runner()

    final = await services.wait_terminal(execution_id, within=90)

    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error


async def test_temporal_restarted_mid_execution(
    make_services: Callable[..., Services],
    redis_url: str,
    temporal_dev: TemporalDevServer,
    http_stub: HttpStub,
) -> None:
    """SIGKILL the Temporal dev server (SQLite file) during a ``wait``, restart it on its port."""
    services = make_services(redis_url, temporal_dev.address)
    services.start_server()
    services.start_runner()
    workflow_id = await services.apply(
        _three_step(http_stub, {"wait": {"seconds": 6}}, "kill-tmprl")
    )
    execution_id = await services.create(workflow_id)
    await services.wait_task_started(execution_id, "/do/1/middle", within=60)
    temporal_dev.kill()
    await asyncio.sleep(2)
    temporal_dev.start()

    final = await services.wait_terminal(execution_id, within=150)

    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert_each_task_once(final, EXPECTED)
    assert http_stub.counts == {"/first": 1, "/last": 1}
    client = await connect_temporal(temporal_dev.address)
    runs = [r async for r in client.list_workflows(f"WorkflowId = 'workflow-exec-{execution_id}'")]
    assert len(runs) == 1


async def test_redis_restarted_with_aof(
    make_services: Callable[..., Services],
    temporal_address: str,
    tmp_path: Path,
    http_stub: HttpStub,
) -> None:
    """SIGKILL an AOF Redis mid-execution, restart it from its files 6 s later.

    Nothing stored is lost, and the progress written while Redis was down is re-delivered by
    the runner's ``ReportTaskProgress`` local activity retries (the final status, by the
    orchestration workflow's ``UpdateWorkflowExecutionStatus`` local activity retries).
    """
    data_dir = tmp_path / "redis"
    redis = start_redis(data_dir, appendonly=True)
    try:
        services = make_services(redis.url, temporal_address)
        services.start_server()
        services.start_runner()
        workflow_id = await services.apply(
            _three_step(http_stub, {"wait": {"seconds": 4}}, "kill-redis")
        )
        execution_id = await services.create(workflow_id)
        await services.wait_task_started(execution_id, "/do/1/middle", within=60)
        os.kill(redis.pid, signal.SIGKILL)
        await asyncio.to_thread(os.waitpid, redis.pid, 0)
        killed = time.monotonic()
        await asyncio.sleep(6)  # the wait ends meanwhile: its report finds Redis down
        redis = start_redis(data_dir, port=redis.port, appendonly=True)
        restarted_after = time.monotonic() - killed

        final = await services.wait_terminal(execution_id, within=120)

        assert restarted_after >= 6
        assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
        assert_each_task_once(final, EXPECTED)
        assert http_stub.counts == {"/first": 1, "/last": 1}
        workflow = await services.get_workflow(workflow_id)
        assert workflow.metadata.id == workflow_id
    finally:
        stop_pid(redis.pid)
