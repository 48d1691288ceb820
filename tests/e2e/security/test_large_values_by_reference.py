"""A 10 MB workflow output held by reference in the execution record (ADR 0033).

Both services run as subprocesses with Redis external storage. A 10 MB HTTP response becomes
the workflow's output; the execution completes, its record stays small (the output is held
by reference), `stigmer run` and `stigmer get -o json` (the CLI, subprocesses) show the whole
output, and no event of either Temporal history reaches the storage threshold. (jq over a
10 MB context in `set`/`for` still runs in workflow code and passes Temporal's deadlock
detector; see ADR 0033.)
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
    env = stack_env(redis_url, temporal_address, "byref")
    assert env["STIGMER_PAYLOAD_STORAGE"] == "redis"
    with run_services(env) as services:
        yield services.endpoint


def _cli(endpoint: str, *args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "stigmer_cli", *args, "--endpoint", endpoint, "-o", "json"]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def _history_sizes(client: Client, execution_id: str) -> list[int]:
    sizes: list[int] = []
    for workflow_id in (
        f"stigmer/workflow-execution/invoke/{execution_id}",
        interpreter_workflow_id(execution_id),
    ):
        handle = client.get_workflow_handle(workflow_id)
        async for event in handle.fetch_history_events():
            sizes.append(event.ByteSize())
    return sizes


async def test_a_10_mb_output_is_held_by_reference_and_shown_whole_by_the_cli(
    endpoint: str, big_url: str, temporal_client: Client, tmp_path: Path
) -> None:
    assert len(BODY) > 10 * 1000 * 1000
    name = f"byref-{uuid.uuid4().hex[:8]}"
    document = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "do": [
            {"fetch": {"call": "http", "with": {"method": "get", "endpoint": f"{big_url}/big"}}},
        ],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))

    ran = _cli(endpoint, "run", "-f", str(path))

    assert ran["phase"] == "COMPLETED", ran.get("error")
    assert ran["output"] == DOCUMENT
    execution_id = ran["id"]
    # The CLI's get, a separate process, fetches the output the record holds by reference.
    assert _cli(endpoint, "get", execution_id)["output"] == DOCUMENT
    # The record itself stays small: the output is a marker plus its reference.
    async with grpc.aio.insecure_channel(endpoint, options=CHANNEL_OPTIONS) as channel:
        stub = wex_qry.WorkflowExecutionQueryControllerStub(channel)
        record = await stub.get(wex.WorkflowExecutionId(value=execution_id))
    assert record.status.output_reference.size_bytes > 10 * 1000 * 1000
    assert record.status.output.to_dict()["_truncated"] is True
    assert len(bytes(record)) < MAX_OUTPUT_BYTES
    assert max(await _history_sizes(temporal_client, execution_id)) < DEFAULT_THRESHOLD_BYTES
