"""The CLI's gRPC objects end with the command: no stream or thread outlives ``follow``.

In process against the session's embedded stack, because what is checked is the process's own
threads: after ``follow`` returns or raises, and the client is closed, no thread the CLI or gRPC
started is left (a thread left holding a call's lock is what hung ``stigmer run`` at exit, see
docs/adr/0014-cli-grpc-lifecycle.md).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from stigmer_cli.client import StigmerClient, metadata
from stigmer_cli.connection import Connection
from stigmer_cli.documents import read_workflow_file, to_workflow
from stigmer_cli.follow import FollowTimeoutError, follow
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SLOW = """\
document: {dsl: '1.0.0', namespace: test, name: slow-lifecycle, version: '1.0.0'}
do:
  - nap:
      wait: {seconds: 60}
"""


def _start(client: StigmerClient, path: Path) -> str:
    applied = client.apply_workflow(to_workflow(read_workflow_file(path)))
    spec = wex.WorkflowExecutionSpec(workflow_id=metadata(applied).id)
    return metadata(client.create_execution(spec, metadata(applied).slug)).id


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_follow_to_the_end_leaves_no_thread(endpoint: str) -> None:
    before = _threads()
    with StigmerClient(Connection(endpoint=endpoint)) as client:
        final = follow(client, _start(client, EXAMPLES / "hello.yaml"), None, 60.0)
    assert final.phase == "COMPLETED"
    assert _threads() <= before


def test_follow_timeout_stops_the_stream_and_its_reader(endpoint: str, tmp_path: Path) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW)
    before = _threads()
    with StigmerClient(Connection(endpoint=endpoint)) as client:
        execution_id = _start(client, slow)
        with pytest.raises(FollowTimeoutError):
            follow(client, execution_id, None, 0.5)
        after = _threads()
        client.cancel(execution_id, "test over")
    assert after <= before


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP port that accepts connections and never answers: a stalled server."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"127.0.0.1:{server.getsockname()[1]}"


def test_subscribe_to_a_stalled_server_ends_at_its_deadline(silent_endpoint: str) -> None:
    with StigmerClient(Connection(endpoint=silent_endpoint)) as client:
        call = client.subscribe("wex-stalled", 0.5)
        with pytest.raises(grpc.RpcError) as failed:
            next(call)
    assert failed.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
