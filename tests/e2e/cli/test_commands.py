"""Every other command through a subprocess against the session's stack."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

SLOW = """\
document: {dsl: '1.0.0', namespace: tests, name: slow, version: '1.0.0'}
do:
  - first:
      set: {started: true}
  - nap:
      wait: {seconds: 60}
"""

INVALID = """\
document:
  dsl: '1.0.0'
  namespace: tests
  name: broken
  version: '1.0.0'
do:
  - ok:
      set: {a: 1}
  - bad:
      set: {b: 2}
      then: nowhere
"""


def _json(result: Any) -> Any:
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_apply_then_get_workflow(cli: Any, endpoint: str) -> None:
    applied = _json(
        cli.run(
            "apply", "-f", str(cli.examples / "hello.yaml"), "--endpoint", endpoint, "-o", "json"
        )
    )
    assert applied["id"].startswith("wfl-")
    assert (applied["name"], applied["org"]) == ("hello", "local")
    again = _json(
        cli.run(
            "apply", "-f", str(cli.examples / "hello.yaml"), "--endpoint", endpoint, "-o", "json"
        )
    )
    assert again["id"] == applied["id"]  # apply is by name: an update, not a second workflow
    text = cli.run("apply", "-f", str(cli.examples / "hello.yaml"), "--endpoint", endpoint)
    assert text.stdout.strip() == f"workflow hello applied: {applied['id']}"
    shown = _json(cli.run("get", applied["id"], "--endpoint", endpoint))
    assert shown["spec"]["document"]["name"] == "hello"


def test_get_list_watch_of_a_finished_run(cli: Any, endpoint: str) -> None:
    run = _json(
        cli.run("run", "-f", str(cli.examples / "hello.yaml"), "--endpoint", endpoint, "-o", "json")
    )
    got = _json(cli.run("get", run["id"], "--endpoint", endpoint, "-o", "json"))
    assert (got["id"], got["phase"], got["output"]) == (run["id"], "COMPLETED", run["output"])
    text = cli.run("get", run["id"], "--endpoint", endpoint)
    assert "phase      COMPLETED" in text.stdout and "greet" in text.stdout
    listed = _json(
        cli.run(
            "list",
            "--endpoint",
            endpoint,
            "--phase",
            "completed",
            "--workflow",
            "hello",
            "-o",
            "json",
        )
    )
    assert run["id"] in {e["id"] for e in listed}
    assert {e["phase"] for e in listed} == {"COMPLETED"}
    table = cli.run("list", "--endpoint", endpoint, "--workflow", "hello")
    assert table.stdout.splitlines()[0].split() == [
        "ID",
        "WORKFLOW",
        "PHASE",
        "STARTED",
        "DURATION",
    ]
    assert run["id"] in table.stdout
    watched = cli.run("watch", run["id"], "--endpoint", endpoint, "-o", "json")
    assert watched.code == 0
    assert json.loads(watched.stdout)["phase"] == "COMPLETED"


def test_no_follow_then_cancel(cli: Any, endpoint: str, tmp_path: Path) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW)
    started = cli.run("run", "-f", str(slow), "--endpoint", endpoint, "--no-follow")
    assert started.code == 0, started.stderr
    execution_id = started.stdout.strip()
    assert execution_id.startswith("wex-")
    deadline = time.monotonic() + 30
    while (
        _json(cli.run("get", execution_id, "--endpoint", endpoint, "-o", "json"))["phase"]
        != "IN_PROGRESS"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    cancelled = cli.run("cancel", execution_id, "--endpoint", endpoint)
    assert cancelled.code == 0, cancelled.stderr
    watched = cli.run(
        "watch", execution_id, "--endpoint", endpoint, "-o", "json", "--timeout", "30"
    )
    assert watched.code == 1
    assert json.loads(watched.stdout)["phase"] == "CANCELLED"


def test_run_timeout_cancels(cli: Any, endpoint: str, tmp_path: Path) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW)
    result = cli.run("run", "-f", str(slow), "--endpoint", endpoint, "--timeout", "2")
    assert result.code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("stigmer: error: execution wex-")
    assert "cancelled" in result.stderr


def test_validate(cli: Any, tmp_path: Path) -> None:
    for example in sorted(cli.examples.glob("*.yaml")):
        ok = cli.run("validate", str(example))
        assert ok.code == 0, ok.stderr
        assert "valid" in ok.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(INVALID)
    bad = cli.run("validate", str(broken))
    assert bad.code == 1
    assert bad.stderr.strip() == (
        f"{broken}:11: /do/1/bad/then: `then` targets unknown task `nowhere`; "
        "tasks in this scope: `ok`, `bad`; or `continue`, `exit`, `end`"
    )


def test_run_of_an_invalid_file_is_bad_input(cli: Any, endpoint: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(INVALID)
    result = cli.run("run", "-f", str(broken), "--endpoint", endpoint)
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"stigmer: error: {broken}:11: /do/1/bad/then")


def test_graph(cli: Any) -> None:
    result = cli.run("graph", str(cli.examples / "switch.yaml"))
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    assert any("route" in line and "{" in line for line in lines)  # a decision node
    assert any("|${ .amount >= 1000 }|" in line for line in lines)
    fan = cli.run("graph", str(cli.examples / "fan-out.yaml"))
    assert fan.code == 0 and "subgraph" in fan.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["run"],
        ["run", "-f", "examples/hello.yaml", "--output", "yaml"],
        ["run", "-f", "examples/hello.yaml", "--input", "not json", "--endpoint", "127.0.0.1:1"],
        ["run", "-f", "examples/hello.yaml", "--input", "[1, 2]", "--endpoint", "127.0.0.1:1"],
        ["run", "-f", "examples/hello.yaml", "--env", "NOEQUALS", "--endpoint", "127.0.0.1:1"],
        ["run", "-f", "does/not/exist.yaml", "--endpoint", "127.0.0.1:1"],
        ["list", "--phase", "sideways", "--endpoint", "127.0.0.1:1"],
        ["frobnicate"],
    ],
)
def test_bad_usage_is_one_line_and_exit_2(cli: Any, args: list[str]) -> None:
    result = cli.run(*args)
    assert result.code == 2, result
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server_is_one_line(cli: Any) -> None:
    result = cli.run("get", "wex-nope", "--endpoint", "127.0.0.1:1")
    assert result.code == 1
    assert result.stderr.startswith("stigmer: error: UNAVAILABLE")
    assert len(result.stderr.strip().splitlines()) == 1


def test_not_found_is_one_line(cli: Any, endpoint: str) -> None:
    result = cli.run("get", "wex-0000000000000000000000000", "--endpoint", endpoint)
    assert result.code == 1
    assert result.stderr.startswith("stigmer: error: NOT_FOUND")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "command", ["run", "dev", "apply", "get", "list", "watch", "cancel", "validate", "graph"]
)
def test_help_has_an_example(cli: Any, command: str) -> None:
    result = cli.run(command, "--help")
    assert result.code == 0
    assert "example:\n  stigmer " in result.stdout
