"""Workflow schedules through real services: the CLI, stigmer-server, the runner and Temporal.

An ``every: PT2S`` document runs on a Temporal Schedule whose runs are normal executions
(listed, traced); ``pause`` stops them, ``trigger`` starts one now; a changed cron updates the one
schedule; deleting the Workflow deletes it; ``on`` is refused at apply. State is polled, never
timed.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.temporal_names import schedule_id
from stigmer_testing.stack import run_services, service_env
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

pytestmark = pytest.mark.e2e

HEAD = "document: {dsl: '1.0.0', namespace: e2e, name: ticking, version: '1.0.0'}\n"
TASKS = "do:\n  - tick: {set: {ticked: true}}\n"


@dataclass(frozen=True)
class Stack:
    endpoint: str
    dir: Path

    def stigmer(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "stigmer_cli", *args, "--endpoint", self.endpoint],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def json(self, *args: str) -> Any:
        done = self.stigmer(*args, "-o", "json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def spans(self) -> list[dict[str, Any]]:
        path = self.dir / "server.spans.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line]


@pytest.fixture(scope="module")
def stack(
    redis_url: str, temporal_address: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Both services, allowing schedules down to one second apart."""
    out = tmp_path_factory.mktemp("schedules")
    env = service_env(redis_url, temporal_address, "sched")
    env["STIGMER_SCHEDULE_MIN_INTERVAL_SECONDS"] = "1"
    with run_services(env, out, spans=True) as services:
        yield Stack(services.endpoint, out)


def eventually(check: Callable[[], bool], within_s: float = 40.0) -> None:
    """Poll ``check`` until it holds."""
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.3)


async def _exists(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_schedule_handle(schedule_id(workflow_id)).describe()
    except RPCError as err:
        assert err.status == RPCStatusCode.NOT_FOUND
        return False
    return True


async def test_every_pause_trigger_reapply_delete(
    stack: Stack, tmp_path: Path, temporal_client: Client
) -> None:
    document = tmp_path / "ticking.yaml"
    document.write_text(HEAD + "schedule:\n  every: PT2S\n" + TASKS)
    applied = stack.json("apply", "-f", str(document))
    wid = applied["id"]
    assert await _exists(temporal_client, wid)
    [shown] = stack.json("schedule", "list", "--workflow", "ticking")
    assert (shown["scheduleId"], shown["everySeconds"], shown["paused"]) == (
        schedule_id(wid),
        2.0,
        False,
    )

    def completed() -> list[dict[str, Any]]:
        runs = stack.json("list", "--workflow", wid, "--limit", "100")
        return [r for r in runs if r["phase"] == "COMPLETED"]

    eventually(lambda: len(completed()) >= 2)

    [paused] = stack.json("schedule", "pause", "ticking", "--note", "e2e")
    assert paused["paused"] is True

    def actions() -> int:
        [shown] = stack.json("schedule", "list", "--workflow", wid)
        return int(shown["actionCount"])

    # Every action is one completed execution (no run without one, none run twice); once the
    # pause has settled, the triggered run is the only new action.
    eventually(lambda: len(completed()) == actions())
    before = actions()
    await asyncio.sleep(1.1)  # an action named for the same second as the last one would collide
    [triggered] = stack.json("schedule", "trigger", "ticking")
    assert triggered["paused"] is True
    eventually(lambda: len(completed()) == before + 1)
    assert actions() == before + 1

    # Each scheduled run was traced: the run's activity started the orchestration workflow.
    spans = stack.spans()
    starts = [s for s in spans if s["name"] == "RunActivity:StartScheduledExecution"]
    assert starts
    by_trace = {s["trace_id"] for s in starts}
    assert any(
        s["name"] == "StartWorkflow:stigmer/workflow-execution/invoke" and s["trace_id"] in by_trace
        for s in spans
    )

    # A changed cron updates the one schedule (its pause kept).
    document.write_text(HEAD + "schedule:\n  cron: '*/5 * * * *'\n" + TASKS)
    assert stack.json("apply", "-f", str(document))["id"] == wid
    [changed] = stack.json("schedule", "list", "--workflow", wid)
    assert (changed["cron"], changed["scheduleId"], changed["paused"]) == (
        "*/5 * * * *",
        schedule_id(wid),
        True,
    )
    listed = stack.json("schedule", "list")
    assert [s["workflowId"] for s in listed].count(wid) <= 1

    async with grpc.aio.insecure_channel(stack.endpoint) as channel:
        await wf_cmd.WorkflowCommandControllerStub(channel).delete(wf.WorkflowId(value=wid))
    assert not await _exists(temporal_client, wid)
    gone = stack.stigmer("schedule", "trigger", wid)
    assert gone.returncode != 0 and gone.stderr.startswith("stigmer: error: NOT_FOUND")
    assert len(gone.stderr.strip().splitlines()) == 1


def test_unsupported_event_schedules_are_refused_at_apply(stack: Stack, tmp_path: Path) -> None:
    document = tmp_path / "evented.yaml"
    document.write_text(
        HEAD.replace("ticking", "evented")
        + "schedule:\n  on:\n    all:\n      - with: {type: order.placed}\n"
        + TASKS
    )
    refused = stack.stigmer("apply", "-f", str(document))
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "/schedule/on/all" in lines[0] and "not supported" in lines[0], lines
    missing = stack.stigmer("list", "--workflow", "evented")  # resolves the name: not stored
    assert missing.returncode != 0 and "not found" in missing.stderr.lower(), missing.stderr
