"""Fixtures for the ``stigmer`` CLI tests: one embedded stack per session, the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from stigmer_devstack import Stack, StackConfig, StackEndpoints

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"


@dataclass(frozen=True)
class Result:
    """A finished CLI invocation."""

    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Cli:
    """Runs the ``stigmer`` CLI with this interpreter, in the repository root."""

    examples: Path = EXAMPLES

    def command(self, *args: str) -> list[str]:
        """The command line of ``stigmer <args>``."""
        return [sys.executable, "-m", "stigmer_cli", *args]

    def env(self, **extra: str) -> dict[str, str]:
        """The CLI's environment: no inherited endpoint, plus ``extra``."""
        env = {k: v for k, v in os.environ.items() if k != "STIGMER_ENDPOINT"}
        env.update(extra)
        return env

    def run(self, *args: str, timeout: float = 120.0, **env: str) -> Result:
        """Run ``stigmer <args>`` to completion."""
        done = subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(**env),
            cwd=REPO,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The CLI runner."""
    return Cli()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackEndpoints]:
    """The embedded stack (Temporal, Redis, stigmer-server, workflow-runner) for the session."""
    with Stack(StackConfig.ephemeral(tmp_path_factory.mktemp("stack"))) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def endpoint(stack: StackEndpoints) -> str:
    """stigmer-server's ``host:port``."""
    return stack.grpc


@pytest.fixture(scope="session")
def http_stub() -> Iterator[str]:
    """The examples' local HTTP API on a free port; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "http_stub.py"), "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on "), line
    yield line.removeprefix("listening on ")
    proc.terminate()
    proc.wait(timeout=10)
