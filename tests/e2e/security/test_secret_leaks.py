"""No byte of a secret anywhere it must not be, after a run that fails inside a secret-using call.

Both services run as subprocesses on a Redis of this module's own (append-only file on, fsync on
every write) with their logs at DEBUG and their spans written to files. Secrets hold newlines,
quotes and non-ASCII characters; one of them makes the HTTP library fail (an illegal header
value), so its text passes through exception messages. Afterwards every place a secret could
land is read back and searched: every Redis key of every type, the AOF files, both workflows'
histories as ``temporal workflow show`` prints them (payloads decoded), the services' logs and
the span files.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import redis
import yaml
from stigmer_devstack.binaries import find_temporal
from stigmer_devstack.redis_server import RedisServer, start_redis, stop_pid
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.environment import v1 as env
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.executions import follow, start_execution
from stigmer_testing.history import decoded_history
from stigmer_testing.http_stub import QuietHandler, serve_http
from stigmer_testing.stack import run_services, service_env, without_otel

pytestmark = pytest.mark.e2e


def _token() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Secret:
    """A secret value and the random tokens inside it (each survives escaping and quoting)."""

    value: str
    tokens: tuple[str, ...]

    def needles(self) -> list[bytes]:
        """Byte sequences that must appear nowhere: the value, its tokens and encodings."""
        raw = self.value.encode()
        found = [raw, *(t.encode() for t in self.tokens)]
        found.append(base64.b64encode(raw))
        found.append(urllib.parse.quote(self.value, safe="").encode())
        found.append(json.dumps(self.value).encode())
        return found


def _secret(shape: str) -> Secret:
    a, b = _token(), _token()
    return Secret(shape.format(a=a, b=b), (a, b))


# A trailing newline makes it an illegal header value: the HTTP library's error quotes it.
# (Non-ASCII is in the password: basic authentication sends it base64-encoded.)
HEADER_SECRET = _secret("tok-{a} \"quoted\" 'single'-{b}\n")
PASSWORD = _secret('pä"ss\nword-{a}-{b}')
USERNAME = f"user-{_token()}"
WORKFLOW_SECRET = _secret('wf-{a}\t"q"-{b}')  # header-safe: this call must succeed


class _Stub(QuietHandler):
    """Echoes the request's headers back as its JSON body (so results carry the secrets)."""

    received: list[dict[str, str]] = []

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        type(self).received.append(headers)
        self.reply(200, json.dumps({"echo": headers}).encode())


@dataclass(frozen=True)
class Stack:
    endpoint: str
    dir: Path
    redis: RedisServer
    temporal_address: str


@pytest.fixture(scope="module")
def http_stub() -> Iterator[str]:
    with serve_http(_Stub) as url:
        yield url


@pytest.fixture(scope="module")
def stack(temporal_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Redis (AOF, fsync always) and both services, with DEBUG logs and span files."""
    out = tmp_path_factory.mktemp("leaks")
    server_redis = start_redis(out / "redis", appendonly=True)
    redis.Redis(host=server_redis.host, port=server_redis.port).config_set("appendfsync", "always")
    environ = service_env(
        server_redis.url, temporal_address, "leaks", "DEBUG", base=without_otel(os.environ)
    )
    try:
        with run_services(environ, out, spans=True) as services:
            yield Stack(services.endpoint, out, server_redis, temporal_address)
    finally:
        stop_pid(server_redis.pid)


def _document(name: str, stub: str) -> dict[str, Any]:
    return {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        "use": {"secrets": ["BASIC", "TOKEN", "WF_TOKEN"]},
        "do": [
            {
                "echoBasic": {
                    "call": "http",
                    "with": {
                        "method": "get",
                        "endpoint": {
                            "uri": f"{stub}/echo",
                            "authentication": {
                                "basic": {
                                    "username": "${ $secrets.BASIC.username }",
                                    "password": "${ $secrets.BASIC.password }",
                                }
                            },
                        },
                        "headers": {"X-Workflow-Token": "${ $secrets.WF_TOKEN }"},
                    },
                }
            },
            {
                "badHeader": {
                    "call": "http",
                    "with": {
                        "method": "get",
                        "endpoint": f"{stub}/echo",
                        "headers": {"X-Token": "${ $secrets.TOKEN }"},
                    },
                }
            },
        ],
    }


@pytest_asyncio.fixture(scope="module")
async def failed_run(stack: Stack, http_stub: str) -> AsyncIterator[wex.WorkflowExecution]:
    """One execution that uses every secret and fails inside the call with the bad header."""
    name = f"leaks-{_token()[:6]}"
    spec = dsl_to_workflow_spec(yaml.safe_dump(_document(name, http_stub)))
    spec.env_spec = env.EnvironmentSpec(
        data={"WF_TOKEN": env.EnvironmentValue(value=WORKFLOW_SECRET.value, is_secret=True)}
    )
    basic = json.dumps({"username": USERNAME, "password": PASSWORD.value})
    async with grpc.aio.insecure_channel(stack.endpoint) as channel:
        created = await start_execution(
            channel, name, spec, secrets={"BASIC": basic, "TOKEN": HEADER_SECRET.value}
        )
        last = (await follow(channel, created.metadata.id))[-1]
    yield last


ALL_SECRETS = (HEADER_SECRET, PASSWORD, WORKFLOW_SECRET)


def _needles() -> list[bytes]:
    found = [n for s in ALL_SECRETS for n in s.needles()]
    found.append(USERNAME.encode())
    pair = f"{USERNAME}:{PASSWORD.value}".encode()
    found.append(base64.b64encode(pair))
    return found


def _leaks(where: str, blob: bytes) -> list[str]:
    return [f"{where}: {needle[:40]!r}" for needle in _needles() if needle in blob]


def _redis_blobs(server: RedisServer) -> Iterator[tuple[str, bytes]]:
    """Every key's content, read as its type requires (DUMP would LZF-compress strings)."""
    client = redis.Redis(host=server.host, port=server.port)
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        parts: list[bytes] = [key]
        if kind == "string":
            parts.append(client.get(key) or b"")
        elif kind == "hash":
            for k, v in client.hgetall(key).items():
                parts += [k, v]
        elif kind == "list":
            parts += client.lrange(key, 0, -1)
        elif kind == "set":
            parts += list(client.smembers(key))
        elif kind == "zset":
            parts += [m for m, _ in client.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for entry_id, fields in client.xrange(key):
                parts.append(entry_id)
                for k, v in fields.items():
                    parts += [k, v]
        else:
            raise AssertionError(f"unexpected Redis type {kind} of {key!r}")
        yield f"redis key {key.decode(errors='replace')}", b"\n".join(parts)


def _history(stack: Stack, workflow_id: str) -> bytes:
    shown = subprocess.run(
        [
            str(find_temporal()),
            "workflow",
            "show",
            "--workflow-id",
            workflow_id,
            "--address",
            stack.temporal_address,
            "--output",
            "json",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    text = shown.stdout.decode()
    return (text + "\n" + decoded_history(json.loads(text))).encode()


def test_the_secrets_reached_the_endpoint(failed_run: wex.WorkflowExecution) -> None:
    """The run really used the secrets (otherwise finding none of them proves nothing)."""
    assert failed_run.status.phase == wex.ExecutionPhase.EXECUTION_FAILED
    first = _Stub.received[0]
    assert first["x-workflow-token"] == WORKFLOW_SECRET.value
    expected = base64.b64encode(f"{USERNAME}:{PASSWORD.value}".encode()).decode()
    assert first["authorization"] == f"Basic {expected}"
    assert "badHeader" in failed_run.status.error or "X-Token" in failed_run.status.error


def test_no_secret_in_redis_or_its_append_only_file(
    failed_run: wex.WorkflowExecution, stack: Stack
) -> None:
    leaks: list[str] = []
    keys = 0
    for where, blob in _redis_blobs(stack.redis):
        keys += 1
        leaks += _leaks(where, blob)
    assert keys > 3, "the store wrote nothing: the search would prove nothing"
    aof_files = list((stack.redis.data_dir).rglob("*.aof"))
    assert aof_files, "no append-only file was written"
    for path in aof_files:
        leaks += _leaks(str(path.name), path.read_bytes())
    assert not leaks, leaks


def test_no_secret_in_either_temporal_history(
    failed_run: wex.WorkflowExecution, stack: Stack
) -> None:
    execution_id = failed_run.metadata.id
    leaks: list[str] = []
    for workflow_id in (
        f"stigmer/workflow-execution/invoke/{execution_id}",
        interpreter_workflow_id(execution_id),
    ):
        history = _history(stack, workflow_id)
        assert b"ServerlessWorkflowHttpCall" in history or b"ExecuteWorkflow" in history
        leaks += _leaks(workflow_id, history)
    assert not leaks, leaks


def test_no_secret_in_logs_or_spans(failed_run: wex.WorkflowExecution, stack: Stack) -> None:
    leaks: list[str] = []
    for name in ("server.log", "runner.log", "server.spans.jsonl", "runner.spans.jsonl"):
        path = stack.dir / name
        assert path.exists() and path.stat().st_size > 0, f"{name} is empty"
        leaks += _leaks(name, path.read_bytes())
    assert not leaks, leaks
