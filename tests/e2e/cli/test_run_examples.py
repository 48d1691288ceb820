"""``stigmer run --output json`` of every example, against the session's stack."""

from __future__ import annotations

import json
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


def test_every_example_is_covered(cli: Any) -> None:
    covered = {case[0] for case in CASES} | {"http-fetch.yaml"}
    assert {p.name for p in cli.examples.glob("*.yaml")} == covered
