"""``stigmer run --output json`` of every example, against the session's stack."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# file, --input, expected phase, expected output (subset), expected exit status
CASES: list[tuple[str, dict[str, Any] | None, str, dict[str, Any] | None, int]] = [
    ("hello.yaml", None, "COMPLETED", {"message": "HELLO, WORLD!"}, 0),
    ("hello.yaml", {"name": "Ada"}, "COMPLETED", {"message": "HELLO, ADA!"}, 0),
    ("switch.yaml", {"amount": 250}, "COMPLETED", {"lane": "standard", "amount": 250}, 0),
    ("switch.yaml", {"amount": 5000}, "COMPLETED", {"lane": "approval", "amount": 5000}, 0),
    ("switch.yaml", {"amount": 3}, "COMPLETED", {"lane": "express", "amount": 3}, 0),
    ("fan-out.yaml", {"numbers": [1, 2, 3, 4]}, "COMPLETED", {"sum": 30, "max": 16}, 0),
    (
        "retry.yaml",
        None,
        "COMPLETED",
        {"recovered": True, "status": 503, "reason": "Service unavailable"},
        0,
    ),
    ("fail.yaml", {"quantity": 5}, "COMPLETED", {"accepted": 5}, 0),
    ("fail.yaml", {"quantity": -1}, "FAILED", None, 1),
]


def _run_json(
    cli: Any, endpoint: str, file: str, payload: dict[str, Any] | None
) -> tuple[int, Any]:
    args = ["run", "-f", str(cli.examples / file), "--endpoint", endpoint, "--output", "json"]
    if payload is not None:
        args += ["--input", json.dumps(payload)]
    result = cli.run(*args)
    assert result.stdout.strip(), result.stderr
    return result.code, json.loads(result.stdout)  # exactly one JSON document


@pytest.mark.parametrize(("file", "payload", "phase", "output", "code"), CASES)
def test_example(
    cli: Any,
    endpoint: str,
    file: str,
    payload: dict[str, Any] | None,
    phase: str,
    output: dict[str, Any] | None,
    code: int,
) -> None:
    status, doc = _run_json(cli, endpoint, file, payload)
    assert {"id", "phase", "output", "error", "tasks"} <= doc.keys()
    assert doc["phase"] == phase, doc
    assert status == code
    assert doc["id"].startswith("wex-")
    if output is not None:
        assert doc["output"] == output
        assert doc["error"] is None
    for task in doc["tasks"]:
        assert {"task_id", "name", "status", "kind"} <= task.keys()


def test_failed_example_reports_the_error(cli: Any, endpoint: str) -> None:
    status, doc = _run_json(cli, endpoint, "fail.yaml", {"quantity": -1})
    assert status == 1
    assert "quantity must be positive" in doc["error"]
    failed = [t for t in doc["tasks"] if t["status"] == "FAILED"]
    assert [t["name"] for t in failed] == ["reject"]


def test_http_fetch_against_the_stub(cli: Any, endpoint: str, http_stub: str) -> None:
    status, doc = _run_json(cli, endpoint, "http-fetch.yaml", {"baseUrl": http_stub, "petId": "2"})
    assert status == 0, doc
    assert doc["output"] == {"pet": "Tom", "species": "cat", "tagCount": 1}
    assert [t["kind"] for t in doc["tasks"]] == ["call.http", "set"]


def test_approval_waits_for_stigmer_signal(cli: Any, endpoint: str) -> None:
    started = cli.run(
        "run", "-f", "examples/approval.yaml", "--endpoint", endpoint, "--no-follow", "-o", "json"
    )
    assert started.code == 0, started.stderr
    assert started.stdout.strip(), started.stderr
    execution_id = json.loads(started.stdout)["id"]
    deadline = time.monotonic() + 60
    while True:  # the listen task is reached a moment after create returns
        sent = cli.run(
            "signal",
            execution_id,
            "--endpoint",
            endpoint,
            "--type",
            "com.example.approval",
            "--data",
            '{"approved": true, "by": "ada"}',
        )
        if sent.code == 0 or time.monotonic() > deadline:
            break
        assert "FAILED_PRECONDITION" in sent.stderr or "not running" in sent.stderr, sent.stderr
        time.sleep(0.2)
    assert sent.code == 0, sent.stderr
    watched = cli.run("watch", execution_id, "--endpoint", endpoint, "-o", "json")
    assert watched.code == 0, watched.stderr
    assert watched.stdout.strip(), watched.stderr
    doc = json.loads(watched.stdout)
    assert doc["phase"] == "COMPLETED"
    assert doc["output"] == {"approved": True, "by": "ada"}


def test_subflow_parent_runs_the_applied_child_per_line(cli: Any, endpoint: str) -> None:
    applied = cli.run(
        "apply", "-f", str(cli.examples / "subflow-child.yaml"), "--endpoint", endpoint
    )
    assert applied.code == 0, applied.stderr
    lines = [
        {"sku": "pen", "quantity": 3, "unitPrice": 2},
        {"sku": "ink", "quantity": 1, "unitPrice": 7},
    ]
    status, doc = _run_json(cli, endpoint, "subflow-parent.yaml", {"lines": lines})
    assert status == 0, doc
    assert doc["output"] == {
        "lines": [{"sku": "pen", "total": 6}, {"sku": "ink", "total": 7}],
        "total": 13,
    }
    assert len(doc["children"]) == 2


def test_scheduled_report_runs_now_and_on_its_schedule(cli: Any, endpoint: str) -> None:
    orders = {"orders": [{"amount": 5}, {"amount": 7}]}
    status, doc = _run_json(cli, endpoint, "scheduled-report.yaml", orders)
    assert status == 0, doc
    assert doc["output"] == {"report": "daily", "orders": 2, "revenue": 12}
    workflow_id = doc["workflow_id"]

    def stigmer_json(*args: str) -> Any:
        done = cli.run(*args, "--endpoint", endpoint, "-o", "json")
        assert done.code == 0, done.stderr
        return json.loads(done.stdout)

    [shown] = stigmer_json("schedule", "list", "--workflow", workflow_id)
    assert (shown["cron"], shown["paused"]) == ("0 7 * * *", False)
    # A run now instead of at 07:00: a normal execution of the workflow, with no input.
    stigmer_json("schedule", "trigger", workflow_id)
    deadline = time.monotonic() + 60
    while True:
        runs = stigmer_json("list", "--workflow", workflow_id, "--phase", "completed")
        if len(runs) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(runs) == 2, runs
    stigmer_json("schedule", "pause", workflow_id)  # nothing fires later in the session


def test_every_example_is_covered(cli: Any) -> None:
    covered = {case[0] for case in CASES} | {
        "http-fetch.yaml",
        "approval.yaml",
        "subflow-child.yaml",
        "subflow-parent.yaml",
        "scheduled-report.yaml",
        # run as documented, with its curl POST, by tests/e2e/security/test_events_in.py
        "approval-http.yaml",
    }
    assert {p.name for p in cli.examples.glob("*.yaml")} == covered
