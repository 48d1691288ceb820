"""Execution records and list pages stay within what every client can read (issue 15).

Both services run as subprocesses; the CLI runs as a subprocess with gRPC's default 4 MiB
receive limit. A 1000-iteration ``for`` must leave a record under its bound that ``stigmer get``
and ``stigmer list`` read, with the loop rows folded into counted summaries and a bounded event
stream; executions with 1.5 MB inputs (three exceed 4 MiB together) must not break ``list``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
import redis
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.store.keys import KindKeys
from stigmer_testing.executions import apply_workflow, create_execution

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
ITERATIONS = 1000
LOOP = "/do/1/loop"
STEP = "/do/1/loop/do/0/step"


def _document(name: str, tasks: list[dict[str, Any]]) -> str:
    return yaml.safe_dump(
        {
            "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
            "do": tasks,
        }
    )


LOOP_DOC = _document(
    "loop1000",
    [
        {"items": {"set": {"items": f"${{ [range(0; {ITERATIONS})] }}"}}},
        {
            "loop": {
                "for": {"each": "item", "in": "${ .items }"},
                "do": [{"step": {"set": {"n": "${ $item }", "text": "t" * 300}}}],
            }
        },
    ],
)
SMALL_DOC = _document("small", [{"done": {"set": {"ok": True}}}])


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stigmer_endpoint) as ch:  # 4 MiB receive limit
        yield ch


async def _apply(channel: grpc.aio.Channel, text: str) -> str:
    name = f"bounded-{uuid.uuid4().hex[:8]}"
    workflow = await apply_workflow(channel, name, dsl_to_workflow_spec(text))
    return str(workflow.metadata.id)


async def _create(
    channel: grpc.aio.Channel, workflow_id: str, data: dict[str, Any] | None = None
) -> str:
    created = await create_execution(channel, workflow_id, f"run-{uuid.uuid4().hex[:8]}", data)
    return str(created.metadata.id)


async def _finish(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    query = wex_qry.WorkflowExecutionQueryControllerStub(channel)
    deadline = time.monotonic() + 300
    while True:
        got = await query.get(wex.WorkflowExecutionId(value=execution_id))
        if got.status is not None and got.status.phase in TERMINAL_PHASES:
            return got
        assert time.monotonic() < deadline, f"{execution_id} never ended"
        await asyncio.sleep(0.5)


def _cli(endpoint: str, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "stigmer_cli.main", *args, "--endpoint", endpoint, "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _keys(service_env: dict[str, str]) -> KindKeys:
    return KindKeys(service_env["STIGMER_REDIS_KEY_PREFIX"], WORKFLOW_EXECUTION)


def _folded(execution: wex.WorkflowExecution, family: str) -> tuple[dict[str, Any], list[str]]:
    assert execution.status is not None
    tasks = execution.status.tasks
    (summary,) = [t for t in tasks if t.task_id == f"{family}[*]"]
    assert summary.metadata is not None
    shown = [t.task_id for t in tasks if t.task_id.startswith(f"{family}[") and t is not summary]
    return summary.metadata.to_dict()["folded"], shown


async def test_a_thousand_iteration_loop_leaves_a_bounded_readable_record(
    channel: grpc.aio.Channel, stigmer_endpoint: str, service_env: dict[str, str]
) -> None:
    started = time.monotonic()
    execution_id = await _create(channel, await _apply(channel, LOOP_DOC))
    done = await _finish(channel, execution_id)
    assert done.status is not None and done.status.phase == Phase.EXECUTION_COMPLETED
    assert done.status.output is not None and done.status.output.to_dict()["n"] == ITERATIONS - 1

    client = redis.Redis.from_url(service_env["REDIS_URL"])
    try:
        keys = _keys(service_env)
        record = client.hget(keys.record(execution_id), "d")
        entries = client.xrange(keys.events(execution_id))
        stream_bytes = client.memory_usage(keys.events(execution_id)) or 0
        ttl = client.ttl(keys.events(execution_id))
    finally:
        client.close()
    entry_bytes = [sum(len(v) for v in fields.values()) for _, fields in entries]
    print(  # figures for the report (pytest -s)
        f"\nrecord {len(record or b'')} B, {len(done.status.tasks)} rows;"
        f" stream {len(entries)} entries, {sum(entry_bytes)} B of fields,"
        f" MEMORY USAGE {stream_bytes} B; run {time.monotonic() - started:.1f} s"
    )
    # Every iteration is accounted for: folded into the summary or shown, the latest shown.
    assert len(done.status.tasks) <= limits.MAX_TASK_ROWS
    for family in (LOOP, STEP):
        counts, shown = _folded(done, family)
        assert counts["rows"] + len(shown) == ITERATIONS
        assert counts["completed"] == counts["rows"]
        assert shown[-1] == f"{family}[{ITERATIONS - 1}]"

    assert isinstance(record, bytes) and len(record) <= limits.MAX_RECORD_BYTES
    assert len(bytes(done.status)) <= limits.MAX_STATUS_BYTES
    assert max(entry_bytes) <= limits.MAX_STREAM_ENTRY_BYTES
    assert 0 < ttl <= limits.CLOSED_STREAM_TTL_SECONDS

    got = _cli(stigmer_endpoint, "get", execution_id)
    assert (got["id"], got["phase"]) == (execution_id, "COMPLETED")
    listed = _cli(stigmer_endpoint, "list", "--limit", "500")
    assert execution_id in {e["id"] for e in listed}


async def test_large_inputs_do_not_break_list(
    channel: grpc.aio.Channel, stigmer_endpoint: str
) -> None:
    workflow_id = await _apply(channel, SMALL_DOC)
    # Inputs as large as create accepts (MAX_INPUT_BYTES): together more than one page holds
    # (MAX_PAGE_BYTES) and more than a default client reads in one answer.
    blob = limits.MAX_INPUT_BYTES - 4096
    count = limits.MAX_PAGE_BYTES // blob + 2
    ids = [
        await _create(channel, workflow_id, {"blob": str(i % 10) * blob, "i": i})
        for i in range(count)
    ]
    for execution_id in ids:
        done = await _finish(channel, execution_id)
        assert done.status is not None and done.status.phase == Phase.EXECUTION_COMPLETED
    # Pages split by bytes.
    listed = _cli(stigmer_endpoint, "list", "--workflow", workflow_id)
    assert [e["id"] for e in listed] == ids[::-1]
    everything = _cli(stigmer_endpoint, "list", "--limit", "1000")
    assert set(ids) <= {e["id"] for e in everything}
    got = _cli(stigmer_endpoint, "get", ids[0])
    assert got["phase"] == "COMPLETED"
    query = wex_qry.WorkflowExecutionQueryControllerStub(channel)
    page = await query.listByWorkflow(
        wex.ListWorkflowExecutionsByWorkflowRequest(workflow_id=workflow_id, page_size=10)
    )
    assert 1 <= len(page.entries) < count and page.next_page_token
