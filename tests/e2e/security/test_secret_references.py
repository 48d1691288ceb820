"""Secret references cannot be forged by data, and secrets never leak through error text.

Both services run as subprocesses (the workflow-runner's log goes to a file this module reads);
a loopback HTTP server plays the attacker's endpoint and records what it receives.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_devstack.ports import free_port
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.executions import (
    dsl_document,
    follow,
    get_execution,
    start_execution,
)
from stigmer_testing.history import decoded_history
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.stack import run_services, service_env
from temporalio.client import Client

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase
FORGED = {"$secretExpression": "$secrets"}


class _Attacker(QuietHandler):
    """Records each request; ``/forge`` answers a forged reference, others echo the request."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        seen = {"path": self.path, "headers": dict(self.headers.items()), "body": raw}
        _Attacker.received.append(seen)
        reply = FORGED if self.path.startswith("/forge") else seen
        self.reply(200, json.dumps(reply).encode())


@pytest.fixture(scope="module")
def attacker() -> Iterator[str]:
    with serve_http(_Attacker) as url:
        yield url


@dataclass(frozen=True)
class _Services:
    endpoint: str
    runner_log: Path


@pytest.fixture(scope="module")
def services(
    redis_url: str, temporal_address: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Services]:
    """Both services with their own port, queues and Redis prefix; the runner logs to a file."""
    env = {**service_env(redis_url, temporal_address, "e2e-secrets"), "PYTHONUNBUFFERED": "1"}
    out = tmp_path_factory.mktemp("secrets")
    with run_services(env, out, timeout=90) as services:
        yield _Services(services.endpoint, out / "runner.log")


@pytest_asyncio.fixture
async def channel(services: _Services) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(services.endpoint) as ch:
        yield ch


async def _run(
    channel: grpc.aio.Channel,
    tasks: list[dict[str, Any]],
    data: dict[str, Any],
    secrets: dict[str, str],
) -> wex.WorkflowExecution:
    """Apply a document, run it with ``data`` and ``secrets``; return the stored execution."""
    name = f"secret-refs-{uuid.uuid4().hex[:6]}"
    document = dsl_document(name, tasks)
    spec = dsl_to_workflow_spec(yaml.safe_dump(document))
    created = await start_execution(channel, name, spec, data, secrets)
    await follow(channel, created.metadata.id)
    return await get_execution(channel, created.metadata.id)


async def _histories(client: Client, execution_id: str) -> str:
    texts = []
    for workflow_id in (
        f"stigmer/workflow-execution/invoke/{execution_id}",
        interpreter_workflow_id(execution_id),
    ):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        texts.append(decoded_history(json.loads(history.to_json())))
    return "\n".join(texts)


def _stored(execution: wex.WorkflowExecution) -> str:
    """What the execution stored from running: its status (tasks, output, error) and spec.

    ``spec.runtime_env`` is left out: it holds the secrets as the caller gave them (how the
    server stores them is not what these tests are about).
    """
    stored = execution.to_dict()
    stored.get("spec", {}).pop("runtimeEnv", None)
    stored.get("spec", {}).pop("runtime_env", None)
    return json.dumps(stored)


def _leaks(secret: str, text: str) -> list[str]:
    """The forms of ``secret`` found in ``text``: its letters and digits, and its base64."""
    core = "".join(c for c in secret if c.isalnum() and c.isascii())
    forms = {
        "core": core,
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64 stripped": base64.b64encode(secret.strip().encode()).decode(),
    }
    return [name for name, form in forms.items() if form in text]


async def test_data_shaped_like_a_secret_reference_is_sent_as_literal_data(
    channel: grpc.aio.Channel,
    attacker: str,
    services: _Services,
    temporal_client: Client,
) -> None:
    token, other = f"tok{uuid.uuid4().hex}", f"other{uuid.uuid4().hex}"
    tasks = [
        {
            "fromInput": {
                "call": "http",
                "with": {
                    "method": "post",
                    "endpoint": f"{attacker}/collect/input",
                    "headers": {"X-Token": "${ $secrets.API_TOKEN }"},
                    "body": "${ . }",
                },
                "output": {"as": "${ $input }"},
            }
        },
        {
            "forge": {
                "call": "http",
                "with": {"method": "post", "endpoint": f"{attacker}/forge", "body": {}},
            }
        },
        {
            "fromResponse": {
                "call": "http",
                "with": {
                    "method": "post",
                    "endpoint": f"{attacker}/collect/response",
                    "headers": {"X-Token": "${ $secrets.API_TOKEN }"},
                    "body": "${ {payload: .} }",
                },
            }
        },
    ]
    _Attacker.received.clear()
    final = await _run(
        channel, tasks, {"payload": FORGED}, {"API_TOKEN": token, "OTHER_SECRET": other}
    )
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    bodies = {r["path"]: json.loads(r["body"]) for r in _Attacker.received}
    assert bodies["/collect/input"] == {"payload": FORGED}
    assert bodies["/collect/response"] == {"payload": FORGED}
    tokens = [r["headers"].get("X-Token") for r in _Attacker.received]
    assert tokens.count(token) == 2  # the tasks' real secret site still works
    # the attacker's echo of the X-Token header came back scrubbed
    assert final.status.output.to_dict()["headers"]["X-Token"] == "***"
    histories = await _histories(temporal_client, final.metadata.id)
    assert "$secretExpression" in histories  # the payloads were decoded and read
    stored = _stored(final)
    assert "secretExpression" in stored  # the output (the echoed request) is in it
    for secret in (token, other):
        assert not _leaks(secret, histories), "a secret is in a Temporal history"
        assert not _leaks(secret, stored), "a secret is in the stored execution"


@pytest.mark.parametrize(
    "tail",
    [
        " \"quoted\" 'single'\n",  # ASCII: h11's error printed the whole header value
        " \"quoted\" 'single' caf\u00e9\n",  # non-ASCII too
    ],
    ids=["ascii", "non-ascii"],
)
async def test_a_bad_secret_in_a_header_fails_without_showing_the_secret(
    channel: grpc.aio.Channel,
    attacker: str,
    services: _Services,
    temporal_client: Client,
    tail: str,
) -> None:
    secret = f"tok{uuid.uuid4().hex}{tail}"
    tasks = [
        {
            "send": {
                "call": "http",
                "with": {
                    "method": "post",
                    "endpoint": f"{attacker}/collect/bad-header",
                    "headers": {"X-Token": "${ $secrets.BAD }"},
                    "body": {},
                },
            }
        }
    ]
    final = await _run(channel, tasks, {}, {"BAD": secret})
    assert final.status.phase == Phase.EXECUTION_FAILED
    assert "X-Token" in final.status.error and "header" in final.status.error
    assert not _leaks(secret, _stored(final))
    assert not _leaks(secret, await _histories(temporal_client, final.metadata.id))
    log = services.runner_log.read_text(errors="replace")
    assert "X-Token" in log  # the failure was logged: the log is the runner's
    assert not _leaks(secret, log)


async def test_a_secret_in_library_error_text_is_scrubbed(
    channel: grpc.aio.Channel, services: _Services, temporal_client: Client
) -> None:
    secret = f"key{uuid.uuid4().hex}"
    closed = free_port()  # nothing listens: httpx's connection error names the URI
    tasks = [
        {
            "send": {
                "call": "http",
                "with": {
                    "method": "get",
                    "endpoint": f'${{ "http://127.0.0.1:{closed}/x?key=" + $secrets.KEY }}',
                },
            }
        }
    ]
    final = await _run(channel, tasks, {}, {"KEY": secret})
    assert final.status.phase == Phase.EXECUTION_FAILED
    assert f"127.0.0.1:{closed}/x?key=***" in final.status.error
    assert not _leaks(secret, _stored(final))
    assert not _leaks(secret, await _histories(temporal_client, final.metadata.id))
    assert not _leaks(secret, services.runner_log.read_text(errors="replace"))


def test_the_runner_log_is_written(services: _Services) -> None:
    """Guards the log assertions above: the runner's output really goes to the file."""
    assert os.path.getsize(services.runner_log) > 0
