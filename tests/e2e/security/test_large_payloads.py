"""A 10 MB HTTP response through real services, kept out of Temporal history (ADR 0031) and
out of the execution record (ADR 0033).

Both services run as subprocesses with Redis external storage; the response becomes the
workflow's output, directly and through `set` and `for` (jq over the 10 MB context runs in the
interpreter's evaluation local activity, ADR 0033), every event of both histories stays below
the storage threshold, the record holds the output by reference, and `stigmer run` /
`stigmer get -o json` (the CLI, subprocesses) show it whole.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.limits import CHANNEL_OPTIONS, MAX_OUTPUT_BYTES
from stigmer_protos.payload_storage import DEFAULT_THRESHOLD_BYTES
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.stack import run_services
from stigmer_testing.stack import service_env as stack_env
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
ITEMS = 20_000
DOCUMENT = {"items": [{"id": i, "text": f"{i:08d}" + "x" * 480} for i in range(ITEMS)]}
BODY = json.dumps(DOCUMENT).encode()


class _Big(QuietHandler):
    def do_GET(self) -> None:
        self.reply(200, BODY)


@pytest.fixture(scope="module")
def big_url() -> Iterator[str]:
    with serve_http(_Big) as url:
        yield url


@pytest.fixture(scope="module")
def endpoint(redis_url: str, temporal_address: str) -> Iterator[str]:
    """Both services with Redis external storage (the test stack's default)."""
    env = stack_env(redis_url, temporal_address, "large")
    assert env["STIGMER_PAYLOAD_STORAGE"] == "redis"
    # jq parses and prints the 10 MB context in each evaluation: more than the default budget.
    env |= {
        "STIGMER_EXPRESSION_CPU_SECONDS": "20",
        "STIGMER_EXPRESSION_MAX_OUTPUT_BYTES": str(64 * 1024 * 1024),
        "STIGMER_EXPRESSION_MAX_MEMORY_BYTES": str(2 * 1024 * 1024 * 1024),
    }
    with run_services(env) as services:
        yield services.endpoint


def _cli(endpoint: str, *args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "stigmer_cli", *args, "--endpoint", endpoint, "-o", "json"]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _run(
    endpoint: str, tmp_path: Path, tasks: list[dict[str, Any]], *options: str
) -> dict[str, Any]:
    name = f"large-{uuid.uuid4().hex[:8]}"
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": tasks,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return _cli(endpoint, "run", "-f", str(path), *options)


async def test_a_10_mb_response_completes_with_history_below_the_threshold(
    endpoint: str, big_url: str, temporal_client: Client, tmp_path: Path
) -> None:
    assert len(BODY) > 10 * 1000 * 1000
    tasks = [
        {
            "fetch": {
                "call": "http",
                "with": {"method": "get", "endpoint": f"{big_url}/big"},
            }
        }
    ]

    result = _run(endpoint, tmp_path, tasks)

    assert result["phase"] == "COMPLETED", result.get("error")
    assert result["output"] == DOCUMENT
    execution_id = result["id"]
    # The CLI's get, a separate process, fetches the output the record holds by reference.
    assert _cli(endpoint, "get", execution_id)["output"] == DOCUMENT
    # The record itself stays small: the output is a marker plus its reference (ADR 0033).
    async with grpc.aio.insecure_channel(endpoint, options=CHANNEL_OPTIONS) as channel:
        stub = wex_qry.WorkflowExecutionQueryControllerStub(channel)
        record = await stub.get(wex.WorkflowExecutionId(value=execution_id))
    assert record.status.output_reference.size_bytes > 10 * 1000 * 1000
    assert record.status.output.to_dict()["_truncated"] is True
    assert len(bytes(record)) < MAX_OUTPUT_BYTES
    stored = await _history_sizes(temporal_client, execution_id)
    # Both workflows' results (the interpreter's output, the orchestration's status) went to Redis.
    assert len(stored) >= 1 and min(stored) > 10 * 1000 * 1000


async def _history_sizes(client: Client, execution_id: str) -> list[int]:
    """Assert every history event of the execution is below the threshold; return the sizes
    of the externally stored workflow results."""
    sizes: list[int] = []
    stored: list[int] = []
    for workflow_id in (
        f"stigmer/workflow-execution/invoke/{execution_id}",
        interpreter_workflow_id(execution_id),
    ):
        handle = client.get_workflow_handle(workflow_id)
        async for event in handle.fetch_history_events():
            sizes.append(event.ByteSize())
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
                attributes = event.workflow_execution_completed_event_attributes
                stored += [
                    ep.size_bytes for p in attributes.result.payloads for ep in p.external_payloads
                ]
    assert max(sizes) < DEFAULT_THRESHOLD_BYTES
    return stored


async def test_a_10_mb_response_through_set_and_for_reaches_the_output(
    endpoint: str, big_url: str, temporal_client: Client, tmp_path: Path
) -> None:
    tasks = [
        {"fetch": {"call": "http", "with": {"method": "get", "endpoint": f"{big_url}/big"}}},
        {"shape": {"set": {"items": "${ .items }", "total": "${ .items | length }"}}},
        {
            "loop": {
                "for": {"each": "item", "in": "${ .items[0:2] }"},
                "do": [{"tag": {"set": "${ . + {last: $item.id} }"}}],
            }
        },
    ]

    result = _run(endpoint, tmp_path, tasks)

    assert result["phase"] == "COMPLETED", result.get("error")
    expected = {**DOCUMENT, "total": ITEMS, "last": 1}
    assert result["output"] == expected
    execution_id = result["id"]
    assert _cli(endpoint, "get", execution_id)["output"] == expected
    stored = await _history_sizes(temporal_client, execution_id)
    assert len(stored) >= 1 and min(stored) > 10 * 1000 * 1000
    # The expressions over the 10 MB context ran in the evaluation local activity.
    history = await temporal_client.get_workflow_handle(
        interpreter_workflow_id(execution_id)
    ).fetch_history()
    markers = [
        event
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and b"ServerlessWorkflowEvaluateExpression"
        in event.marker_recorded_event_attributes.SerializeToString()
    ]
    assert len(markers) == 5  # shape (2), for.in, tag twice


async def test_a_10_mb_input_is_uploaded_held_by_reference_and_runs(
    endpoint: str, temporal_client: Client, tmp_path: Path
) -> None:
    source = tmp_path / "input.json"
    source.write_bytes(BODY)
    tasks = [{"shape": {"set": {"items": "${ .items }", "count": "${ .items | length }"}}}]

    result = _run(endpoint, tmp_path, tasks, "--input", f"@{source}")

    assert result["phase"] == "COMPLETED", result.get("error")
    expected = {**DOCUMENT, "count": ITEMS}
    assert result["output"] == expected
    execution_id = result["id"]
    assert _cli(endpoint, "get", execution_id)["output"] == expected
    await _history_sizes(temporal_client, execution_id)
    # The record holds the input by reference, and a list page of it stays small.
    async with grpc.aio.insecure_channel(endpoint, options=CHANNEL_OPTIONS) as channel:
        stub = wex_qry.WorkflowExecutionQueryControllerStub(channel)
        record = await stub.get(wex.WorkflowExecutionId(value=execution_id))
        page = await stub.list(wex.ListWorkflowExecutionsRequest(page_size=10))
    size = record.spec.input_reference.size_bytes  # the CLI's compact JSON of the input
    assert size > 10 * 1000 * 1000
    assert record.spec.input.to_dict() == {"_truncated": True, "bytes": size}
    assert len(bytes(record)) < MAX_OUTPUT_BYTES
    assert execution_id in {e.metadata.id for e in page.entries}
    assert len(bytes(page)) < 10 * MAX_OUTPUT_BYTES
