"""Operating executions: ``pause`` / ``resume`` hold task starts, ``terminate`` ends at once."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from stigmer_devstack import StackEndpoints
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_server.workflowexecution.temporal.names import workflow_id
from stigmer_testing.http_stub import QuietHandler, serve_http
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

pytestmark = pytest.mark.e2e

DOCUMENT = """\
document: {dsl: '1.0.0', namespace: tests, name: pausable, version: '1.0.0'}
do:
  - nap:
      wait: {seconds: 8}
  - charge:
      call: http
      with: {method: get, endpoint: '${ $workflow.input.url + "/charge" }'}
  - done:
      set: {charged: '${ .count }'}
"""


class _Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        counter = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                with counter.lock:
                    counter.calls += 1
                    count = counter.calls
                self.reply(200, json.dumps({"count": count}).encode())

        return Handler


def _phase(cli: Any, endpoint: str, execution_id: str) -> str:
    got = cli.run("get", execution_id, "--endpoint", endpoint, "-o", "json")
    assert got.code == 0, got.stderr
    phase: str = json.loads(got.stdout)["phase"]
    return phase


def _task_status(cli: Any, endpoint: str, execution_id: str, name: str) -> str | None:
    got = cli.run("get", execution_id, "--endpoint", endpoint, "-o", "json")
    assert got.code == 0, got.stderr
    statuses = {t["name"]: t["status"] for t in json.loads(got.stdout)["tasks"]}
    return statuses.get(name)


def _wait_for_phase(cli: Any, endpoint: str, execution_id: str, wanted: str) -> None:
    deadline = time.monotonic() + 60
    while (phase := _phase(cli, endpoint, execution_id)) != wanted:
        assert time.monotonic() < deadline, f"still {phase}, expected {wanted}"
        time.sleep(0.3)


def test_a_paused_execution_starts_no_task_until_resumed(
    cli: Any, endpoint: str, tmp_path: Path
) -> None:
    counter = _Counter()
    document = tmp_path / "pausable.yaml"
    document.write_text(DOCUMENT)
    with serve_http(counter.handler()) as url:
        started = cli.run(
            "run", "-f", str(document), "--endpoint", endpoint, "--no-follow",
            "--input", json.dumps({"url": url}),
        )  # fmt: skip
        assert started.code == 0, started.stderr
        execution_id = started.stdout.strip()
        _wait_for_phase(cli, endpoint, execution_id, "IN_PROGRESS")

        paused = cli.run("pause", execution_id, "--endpoint", endpoint, "--reason", "hold it")
        assert paused.code == 0, paused.stderr
        assert paused.stdout.split() == [execution_id, "PAUSED"]
        # The wait finishes (the task in progress is not interrupted); the next one is held.
        deadline = time.monotonic() + 60
        while _task_status(cli, endpoint, execution_id, "nap") != "COMPLETED":
            assert time.monotonic() < deadline
            time.sleep(0.5)
        time.sleep(3)
        assert _phase(cli, endpoint, execution_id) == "PAUSED"
        assert counter.calls == 0

        resumed = cli.run("resume", execution_id, "--endpoint", endpoint, "-o", "json")
        assert resumed.code == 0, resumed.stderr
        watched = cli.run(
            "watch", execution_id, "--endpoint", endpoint, "-o", "json", "--timeout", "60"
        )
        assert watched.code == 0, watched.stderr
        result = json.loads(watched.stdout)
        assert result["phase"] == "COMPLETED"
        assert result["output"] == {"charged": 1}
        assert len(result["workflow_revision"]) == 64  # the SHA-256 of the pinned revision
        assert counter.calls == 1


def test_a_paused_execution_can_be_cancelled_and_then_not_paused(
    cli: Any, endpoint: str, tmp_path: Path
) -> None:
    document = tmp_path / "long.yaml"
    document.write_text(
        "document: {dsl: '1.0.0', namespace: tests, name: long, version: '1.0.0'}\n"
        "do:\n  - one:\n      wait: {seconds: 60}\n  - two:\n      set: {ok: true}\n"
    )
    started = cli.run("run", "-f", str(document), "--endpoint", endpoint, "--no-follow")
    assert started.code == 0, started.stderr
    execution_id = started.stdout.strip()
    _wait_for_phase(cli, endpoint, execution_id, "IN_PROGRESS")
    assert cli.run("pause", execution_id, "--endpoint", endpoint).code == 0
    assert _phase(cli, endpoint, execution_id) == "PAUSED"

    cancelled = cli.run("cancel", execution_id, "--endpoint", endpoint)
    assert cancelled.code == 0, cancelled.stderr
    _wait_for_phase(cli, endpoint, execution_id, "CANCELLED")

    refused = cli.run("resume", execution_id, "--endpoint", endpoint)
    assert refused.code != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "FAILED_PRECONDITION" in lines[0], refused.stderr
    assert "CANCELLED" in lines[0]
    assert _phase(cli, endpoint, execution_id) == "CANCELLED"


async def test_terminate_ends_an_execution_stuck_in_a_long_wait(
    cli: Any, endpoint: str, stack: StackEndpoints, tmp_path: Path
) -> None:
    document = tmp_path / "stuck.yaml"
    document.write_text(
        "document: {dsl: '1.0.0', namespace: tests, name: stuck, version: '1.0.0'}\n"
        "do:\n  - forever:\n      wait: {hours: 1}\n"
    )
    started = cli.run("run", "-f", str(document), "--endpoint", endpoint, "--no-follow")
    assert started.code == 0, started.stderr
    execution_id = started.stdout.strip()
    _wait_for_phase(cli, endpoint, execution_id, "IN_PROGRESS")
    temporal = await Client.connect(stack.temporal)
    interpreter = temporal.get_workflow_handle(interpreter_workflow_id(execution_id))
    for _ in range(100):  # the runner starts the interpreter after the phase is written
        try:
            await interpreter.describe()
            break
        except RPCError:
            await asyncio.sleep(0.2)

    ended = cli.run(
        "terminate", execution_id, "--endpoint", endpoint, "--reason", "worker stuck", "-o", "json"
    )
    assert ended.code == 0, ended.stderr
    result = json.loads(ended.stdout)
    assert result["phase"] == "CANCELLED"
    assert result["error"] == "terminated: worker stuck"
    for temporal_id in (interpreter_workflow_id(execution_id), workflow_id(execution_id)):
        description = await temporal.get_workflow_handle(temporal_id).describe()
        assert description.status == WorkflowExecutionStatus.TERMINATED, temporal_id
    again = cli.run("terminate", execution_id, "--endpoint", endpoint)
    assert again.code != 0 and "CANCELLED" in again.stderr


RERUN = """\
document: {dsl: '1.0.0', namespace: tests, name: rerunnable, version: '1.0.0'}
do:
  - fetch:
      call: http
      with: {method: get, endpoint: '${ $workflow.input.url + "/a" }'}
      output:
        as: '${ {amount: $workflow.input.amount, url: $workflow.input.url} }'
  - charge:
      call: http
      with:
        method: get
        endpoint: '${ .url + "/charge?amount=" + (.amount | tostring) }'
"""


class _Payments:
    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        payments = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                with payments.lock:
                    payments.calls[path] = payments.calls.get(path, 0) + 1
                if path == "/charge":
                    amount = int(query.removeprefix("amount="))
                    if amount > 100:
                        self.reply(400, json.dumps({"error": "over the limit"}).encode())
                        return
                    self.reply(200, json.dumps({"charged": amount}).encode())
                    return
                self.reply(200, b"{}")

        return Handler


def test_a_failed_execution_reruns_from_its_failing_task_with_patched_input(
    cli: Any, endpoint: str, tmp_path: Path
) -> None:
    payments = _Payments()
    document = tmp_path / "rerunnable.yaml"
    document.write_text(RERUN)
    patched = tmp_path / "patched.json"
    with serve_http(payments.handler()) as url:
        failed = cli.run(
            "run", "-f", str(document), "--endpoint", endpoint, "-o", "json",
            "--input", json.dumps({"url": url, "amount": 500}),
        )  # fmt: skip
        assert failed.code == 1, failed.stderr
        original = json.loads(failed.stdout)
        assert original["phase"] == "FAILED"
        assert payments.calls == {"/a": 1, "/charge": 1}

        patched.write_text(json.dumps({"url": url, "amount": 50}))
        rerun = cli.run(
            "rerun", original["id"], "--from", "/do/1/charge", "--input", f"@{patched}",
            "--endpoint", endpoint,
        )  # fmt: skip
        assert rerun.code == 0, rerun.stderr
        rerun_id = rerun.stdout.strip()
        watched = cli.run("watch", rerun_id, "--endpoint", endpoint, "-o", "json")
        assert watched.code == 0, watched.stderr
        result = json.loads(watched.stdout)
        assert result["output"] == {"charged": 50}
        assert [t["task_id"] for t in result["tasks"]] == ["/do/1/charge"]  # fetch skipped
        assert payments.calls == {"/a": 1, "/charge": 2}  # the earlier call was not repeated

    assert result["rerun_of"] == original["id"]
    again = json.loads(cli.run("get", original["id"], "--endpoint", endpoint, "-o", "json").stdout)
    assert again["reruns"] == [rerun_id]
    refused = cli.run("rerun", rerun_id, "--from", "/do/0/fetch", "--endpoint", endpoint)
    assert refused.code != 0 and "never started" in refused.stderr
