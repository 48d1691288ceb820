"""Every command README.md and examples/README.md show works exactly as written.

The commands are read from the documents: every line of a ```bash block (``&&`` chains split,
``# comments`` dropped) and every code span that starts like a command. ``REGISTRY`` says how
each one is checked, and the test fails when a document and the registry disagree either way.
``stigmer`` commands run against the session's stack (``$STIGMER_ENDPOINT``, so their text is
used verbatim); ``hatch run`` formats ``{...}`` in its arguments, so such arguments are put
through the real ``hatch`` to see what the command receives.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
import yaml
from stigmer_cli.main import build_parser

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = (REPO / "README.md", REPO / "examples" / "README.md")
COMMAND_STARTS = (
    "hatch run ",
    "stigmer ",
    "python ",
    "pip install ",
    "docker compose ",
    "curl ",
)
HATCH_RUN = "hatch run "
TIMEOUT = 120.0

_BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
_ANY_BLOCK = re.compile(r"^```.*?^```", re.S | re.M)
_SPAN = re.compile(r"`([^`\n]+)`")
_COMMENT = re.compile(r"\s+#\s.*$")
_EXECUTION_ID = re.compile(r"^(wex-\S+) ", re.M)

Kind = Literal["run", "parse", "script", "other"]


@dataclass(frozen=True)
class Check:
    """How one documented command is checked.

    Attributes:
        kind: ``run``: run against the session's stack; ``parse``: parsed by the CLI's parser
            only; ``script``: a ``hatch run`` script that must exist (``--help`` run when
            ``help``); ``other``: checked by its own test below, or only by ``covered_by``.
        stdout: The output the documents state, as they state it: a JSON value (the output
            printed after the result's first line) or the result's line, where ``<wex-id>``
            and ``<time>`` stand for the execution id and the duration.
        code: The exit status the documents state.
        substitute: Placeholder in the text, and the real value it is run with.
        needs: What must run beside it: the examples' HTTP stub on its documented port, or an
            approval run waiting for its signal (whose output is then ``stdout``).
        keys: The keys of the one JSON object printed on stdout, as the documents list them.
        help: Whether the script answers ``--help`` with exit status 0.
        covered_by: The test (or ``.ci/run``) that runs the command for real when this
            module cannot; it must exist.
    """

    kind: Kind
    stdout: str | None = None
    code: int = 0
    substitute: tuple[str, str] | None = None
    needs: Literal["stub", "approval"] | None = None
    keys: tuple[str, ...] = ()
    help: bool = False
    covered_by: str | None = None


_APPROVAL_RUN = "stigmer run -f examples/approval.yaml"
_HTTP_APPROVAL_TEST = (
    "tests/e2e/security/test_events_in.py::test_the_documented_http_approval_works_as_written"
)
_HTTP_APPROVAL_POST = (
    "curl -X POST http://127.0.0.1:7235/events"
    " -H 'content-type: application/cloudevents+json'"
    """ -d '{"specversion": "1.0", "type": "com.example.approval", "source": "curl","""
    """ "id": "r-42-1", "data": {"request": "r-42", "approved": true, "by": "ada"}}'"""
)
_HTTP_STUB = "python examples/http_stub.py &"
_WEX_ID = "<id of a waiting examples/approval.yaml run>"
_EXAMPLES_TEST = "tests/e2e/cli/test_run_examples.py"

REGISTRY: dict[str, Check] = {
    # README.md: getting started
    # the hatch on PATH must be this one (test_hatch_on_path_is_the_pinned_one)
    "pip install hatch==1.18.2": Check("other", covered_by=".ci/run"),
    "hatch run stigmer run -f examples/hello.yaml": Check(
        "run",
        stdout='{"message": "HELLO, WORLD!"}',
        covered_by="tests/e2e/cli/test_embedded_stack.py::test_run_without_a_server_embeds_one",
    ),
    "hatch run test": Check("script", covered_by=".ci/run"),
    # README.md: using it
    "hatch run stigmer dev": Check("parse", covered_by="tests/e2e/cli/test_dev.py"),
    """hatch run stigmer run -f examples/switch.yaml --input '{{"amount": 250}}'""": Check(
        "run", stdout='{"amount": 250, "lane": "standard"}'
    ),
    "hatch run stigmer run -f examples/hello.yaml -o json": Check(
        "run", keys=("id", "phase", "output", "error", "tasks")
    ),
    "hatch run stigmer list --phase completed": Check("run"),
    "hatch run stigmer signal wex-... --type com.example.approval"
    """ --data '{{"approved": true}}'""": Check(
        "run", substitute=("wex-...", _WEX_ID), needs="approval"
    ),
    "hatch run stigmer validate my-flow.yaml": Check(
        "run", substitute=("my-flow.yaml", "examples/fan-out.yaml")
    ),
    "hatch run stigmer graph examples/fan-out.yaml": Check("run"),
    "stigmer run": Check("parse"),
    "stigmer signal": Check("parse"),
    # README.md: DSL support, observability, deploying, performance, development
    "hatch run conformance": Check("script", help=True),
    "docker compose -f deploy/otel/compose.yaml up -d": Check("other"),  # no docker here
    # a shell line for the services' environment; tracing is tested on its own
    "export OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_METRICS_EXPORTER=none": Check(
        "other", covered_by="tests/e2e/test_tracing.py"
    ),
    """hatch run stigmer run -f examples/fan-out.yaml --input '{{"numbers": [1, 2]}}'""": Check(
        "run"
    ),
    "docker compose -f deploy/compose.yaml run --build --rm example": Check(
        "other", covered_by="tests/deploy/test_compose.py"
    ),
    "hatch run bench": Check("script", help=True),
    "hatch run test [pytest args]": Check("script"),  # the suite itself; it takes arguments
    "hatch run lint": Check("script", covered_by="tests/static/test_code_quality.py"),
    "hatch run types": Check("script", covered_by="tests/static/test_code_quality.py"),
    # regenerating in place is not a test's business; stale code stops the test session
    "hatch run protos": Check("script"),
    "hatch run cli-stress --runs 100": Check(
        "script", help=True, covered_by="tests/e2e/cli/test_cli_stress.py"
    ),
    "hatch run soak --executions 200 --kills 3": Check(
        "script", help=True, covered_by="tests/e2e/reliability/test_chaos_soak.py"
    ),
    "stigmer dev": Check("parse", covered_by="tests/e2e/cli/test_dev.py"),
    # examples/README.md
    "hatch run stigmer run -f examples/<file>": Check(
        "run",
        substitute=("<file>", "retry.yaml"),
        stdout='{"reason": "Service unavailable", "recovered": true, "status": 503}',
    ),
    "stigmer run ...": Check("parse"),
    "stigmer graph examples/<file>": Check("run", substitute=("<file>", "switch.yaml")),
    """stigmer run -f examples/hello.yaml --input '{"name": "Ada"}'""": Check(
        "run", stdout='{"message": "HELLO, ADA!"}'
    ),
    _HTTP_STUB: Check("other"),  # run as written by the http_stub fixture
    """stigmer run -f examples/http-fetch.yaml --input '{"baseUrl": "http://127.0.0.1:8765","""
    """ "petId": "2"}'""": Check(
        "run", needs="stub", stdout='{"pet": "Tom", "species": "cat", "tagCount": 1}'
    ),
    """stigmer run -f examples/switch.yaml --input '{"amount": 250}'""": Check(
        "run", stdout='{"amount": 250, "lane": "standard"}'
    ),
    """stigmer run -f examples/fan-out.yaml --input '{"numbers": [1, 2, 3, 4]}'""": Check(
        "run", stdout='{"max": 16, "sum": 30}'
    ),
    "stigmer run -f examples/retry.yaml": Check(
        "run", stdout='{"reason": "Service unavailable", "recovered": true, "status": 503}'
    ),
    _APPROVAL_RUN: Check("other"),  # run as written for each signal command (needs="approval")
    "stigmer signal <wex-id> --type com.example.approval"
    """ --data '{"approved": true, "by": "ada"}'""": Check(
        "run",
        substitute=("<wex-id>", _WEX_ID),
        needs="approval",
        stdout='{"approved": true, "by": "ada"}',
    ),
    "stigmer apply -f examples/subflow-child.yaml": Check("parse"),
    """stigmer run -f examples/subflow-parent.yaml --input '{"lines": [{"sku": "pen","""
    """ "quantity": 3, "unitPrice": 2}, {"sku": "ink", "quantity": 1, "unitPrice": 7}]}'""": Check(
        "other",  # it needs the child applied first
        stdout='{"lines": [{"sku": "pen", "total": 6}, {"sku": "ink", "total": 7}], "total": 13}',
        covered_by=f"{_EXAMPLES_TEST}::test_subflow_parent_runs_the_applied_child_per_line",
    ),
    "stigmer get <wex-id>": Check("parse", substitute=("<wex-id>", "wex-1")),
    """stigmer run -f examples/scheduled-report.yaml --input '{"orders": [{"amount": 5},"""
    """ {"amount": 7}]}'""": Check(
        "other",  # it also creates a Temporal Schedule, which that test pauses afterwards
        stdout='{"orders": 2, "report": "daily", "revenue": 12}',
        covered_by=f"{_EXAMPLES_TEST}::test_scheduled_report_runs_now_and_on_its_schedule",
    ),
    "stigmer schedule list --workflow daily-report": Check("parse"),
    "stigmer schedule trigger daily-report": Check("parse"),
    """stigmer run -f examples/approval-http.yaml --input '{"request": "r-42"}'""": Check(
        "other", covered_by=_HTTP_APPROVAL_TEST
    ),
    _HTTP_APPROVAL_POST: Check("other", covered_by=_HTTP_APPROVAL_TEST),
    """stigmer run -f examples/fail.yaml --input '{"quantity": -1}'""": Check(
        "run",
        code=1,
        stdout="<wex-id> FAILED in <time>: Invalid quantity: quantity must be positive, got -1"
        " (at /do/2/reject)",
    ),
}


def _commands_in(text: str) -> Iterator[str]:
    for block in _BASH_BLOCK.findall(text):
        for line in block.splitlines():
            yield from _chain(_COMMENT.sub("", line))
    for span in _SPAN.findall(_ANY_BLOCK.sub("", text)):
        if span.startswith(COMMAND_STARTS):
            yield from _chain(span)


def _chain(line: str) -> Iterator[str]:
    yield from (part.strip() for part in line.split("&&") if part.strip())


def documented_commands() -> set[str]:
    """Every command the two documents show."""
    return {command for doc in DOCUMENTS for command in _commands_in(doc.read_text())}


def _of_kind(*kinds: Kind) -> list[str]:
    return [command for command, check in REGISTRY.items() if check.kind in kinds]


def _stigmer_commands() -> list[str]:
    return [c for c in REGISTRY if c.removeprefix(HATCH_RUN).startswith("stigmer ")]


@functools.cache
def _argv(command: str) -> tuple[str, ...]:
    """The arguments the command's program receives, ``hatch run`` formatting included."""
    args = shlex.split(command.removeprefix(HATCH_RUN))
    if not command.startswith(HATCH_RUN) or not any("{" in a or "}" in a for a in args):
        return tuple(args)
    hatch = shutil.which("hatch")
    assert hatch is not None, "hatch is not on PATH"
    echo = "import json, sys; print(json.dumps(sys.argv[1:]))"
    done = subprocess.run(
        [hatch, "run", "python", "-c", echo, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"`{command}`: hatch refuses it: {done.stderr.strip()}"
    return tuple(json.loads(done.stdout.splitlines()[-1]))


def _stigmer(endpoint: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "STIGMER_ENDPOINT": endpoint}
    return subprocess.Popen(
        [sys.executable, "-m", "stigmer_cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def _substituted(command: str, value: str | None = None) -> tuple[str, ...]:
    check = REGISTRY[command]
    args = _argv(command)[1:]  # without "stigmer"
    if check.substitute is None:
        return args
    placeholder, real = check.substitute
    assert placeholder in command, f"{placeholder!r} is not in `{command}`"
    replacement = value if value is not None else real
    return tuple(a.replace(placeholder, replacement) for a in args)


def test_registry_lists_exactly_the_documented_commands() -> None:
    documented = documented_commands()
    unchecked = sorted(documented - REGISTRY.keys())
    gone = sorted(REGISTRY.keys() - documented)
    assert not unchecked, f"documented but not in REGISTRY: {unchecked}"
    assert not gone, f"in REGISTRY but no longer documented: {gone}"


@pytest.mark.parametrize("command", _stigmer_commands())
def test_stigmer_command_parses(command: str) -> None:
    if command.startswith(HATCH_RUN):  # `hatch run stigmer` runs the environment's script
        assert (Path(sys.executable).parent / "stigmer").is_file(), "no stigmer script"
    args = _substituted(command)
    if args[1:] in ((), ("...",)):  # a command named in prose: it must exist
        with pytest.raises(SystemExit) as exited:
            build_parser().parse_args([args[0], "--help"])
        assert exited.value.code == 0
        return
    parsed = build_parser().parse_args(args)
    assert parsed.command == args[0]


@pytest.mark.parametrize("command", _of_kind("script"))
def test_hatch_script_exists(command: str) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["envs"][
        "default"
    ]["scripts"]
    name, *args = shlex.split(command.removeprefix(HATCH_RUN))
    assert name in scripts, f"`{command}`: no hatch script {name!r}"
    # A script is one command or a list run in order; the arguments go where `{args` is.
    steps = scripts[name] if isinstance(scripts[name], list) else [scripts[name]]
    taking = [step for step in steps if "{args" in step]
    assert not args or taking, f"`{command}`: {name!r} takes no arguments"
    if REGISTRY[command].help:
        script = shlex.split(taking[0].replace("{args}", "--help"))
        assert script[0] == "python"
        done = subprocess.run(
            [sys.executable, *script[1:]], capture_output=True, cwd=REPO, timeout=TIMEOUT
        )
        assert done.returncode == 0, done.stderr


def test_hatch_on_path_is_the_pinned_one() -> None:
    pinned = next(c for c in REGISTRY if c.startswith("pip install hatch==")).partition("==")[2]
    hatch = shutil.which("hatch")
    assert hatch is not None, "hatch is not on PATH"
    version = subprocess.run([hatch, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.split()[-1] == pinned


@pytest.mark.parametrize("command", [c for c, k in REGISTRY.items() if k.covered_by])
def test_covering_test_exists(command: str) -> None:
    path, _, name = (REGISTRY[command].covered_by or "").partition("::")
    text = (REPO / path).read_text()
    if path == ".ci/run":
        assert command in text, f"`{command}` is not in .ci/run"
    assert not name or f"def {name}(" in text, f"no test {name} in {path}"


@pytest.mark.parametrize("command", [c for c in REGISTRY if c.startswith("docker compose ")])
def test_compose_command_names_a_real_file_and_service(command: str) -> None:
    args = shlex.split(command)
    spec = yaml.safe_load((REPO / args[args.index("-f") + 1]).read_text())
    if "run" in args:
        assert args[-1] in spec["services"], f"`{command}`: no service {args[-1]!r}"
    assert spec["services"], command


@pytest.fixture
def http_stub() -> Iterator[None]:
    """``python examples/http_stub.py &`` as written: the stub on its documented port."""
    args = shlex.split(_HTTP_STUB.removesuffix("&"))
    proc = subprocess.Popen([sys.executable, *args[1:]], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line:
        proc.wait(timeout=10)
        pytest.skip("port 8765 is busy: the stub cannot start as written")
    assert line == "listening on http://127.0.0.1:8765", line
    yield
    proc.terminate()
    proc.wait(timeout=10)


def _waiting_approval(endpoint: str) -> tuple[subprocess.Popen[str], str]:
    """``stigmer run -f examples/approval.yaml`` as written, and its execution id."""
    run = _stigmer(endpoint, *shlex.split(_APPROVAL_RUN)[1:])
    assert run.stderr is not None
    first = run.stderr.readline()
    found = _EXECUTION_ID.match(first)
    assert found, first
    return run, found.group(1)


def _signal_until_listening(
    endpoint: str, args: tuple[str, ...]
) -> subprocess.CompletedProcess[str]:
    deadline = time.monotonic() + 60
    while True:  # the listen task is reached a moment after the run starts
        sent = _stigmer(endpoint, *args)
        out, err = sent.communicate(timeout=TIMEOUT)
        if sent.returncode == 0 or time.monotonic() > deadline:
            return subprocess.CompletedProcess(sent.args, sent.returncode, out, err)
        assert "FAILED_PRECONDITION" in err or "not running" in err, err
        time.sleep(0.2)


def _assert_documented_output(out: str, documented: str) -> None:
    head, _, rest = out.strip().partition("\n")
    if documented.startswith("{"):
        assert json.loads(rest) == json.loads(documented), out
        return
    pattern = re.escape(documented).replace("<wex\\-id>", r"wex-\S+").replace("<time>", r"\S+")
    assert re.fullmatch(pattern, head), out


@pytest.mark.parametrize("command", [c for c, k in REGISTRY.items() if k.stdout])
def test_documented_output_is_in_the_documents(command: str) -> None:
    stated = f"`{REGISTRY[command].stdout}`"
    assert any(stated in doc.read_text() for doc in DOCUMENTS), f"{stated} is not documented"


@pytest.mark.parametrize("command", _of_kind("run"))
def test_command_runs_as_written(
    command: str, stigmer_endpoint: str, request: pytest.FixtureRequest
) -> None:
    check = REGISTRY[command]
    if check.needs == "stub":
        request.getfixturevalue("http_stub")
    if check.needs == "approval":
        approval, execution_id = _waiting_approval(stigmer_endpoint)
        sent = _signal_until_listening(stigmer_endpoint, _substituted(command, execution_id))
        assert sent.returncode == 0, sent.stderr
        out, err = approval.communicate(timeout=TIMEOUT)
        code = approval.returncode
    else:
        proc = _stigmer(stigmer_endpoint, *_substituted(command))
        out, err = proc.communicate(timeout=TIMEOUT)
        code = proc.returncode
    assert code == check.code, f"`{command}` exited {code}: {err}"
    if check.stdout is not None:
        _assert_documented_output(out, check.stdout)
    if check.keys:
        assert set(check.keys) <= json.loads(out).keys(), out
