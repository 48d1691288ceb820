"""The live task table under a pseudo-terminal, and plain progress lines otherwise."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _run_in_pty(cli: Any, *args: str, timeout: float = 120) -> tuple[int, str]:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        cli.command(*args), stdin=slave, stdout=slave, stderr=slave, env=cli.env(TERM="xterm")
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    code = proc.wait(timeout=30)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_live_table_on_a_terminal(cli: Any, endpoint: str) -> None:
    code, screen = _run_in_pty(
        cli, "run", "-f", str(cli.examples / "fan-out.yaml"), "--endpoint", endpoint
    )
    assert code == 0, screen
    assert "\x1b[J" in screen  # the table is cleared and redrawn in place
    assert "TASK" in screen and "KIND" in screen and "STATUS" in screen and "DURATION" in screen
    assert "square" in screen and "for" in screen
    assert "✔ COMPLETED" in screen
    assert '"sum": 14' in screen


def test_plain_lines_when_not_a_terminal(cli: Any, endpoint: str) -> None:
    result = cli.run("run", "-f", str(cli.examples / "hello.yaml"), "--endpoint", endpoint)
    assert result.code == 0, result.stderr
    assert "\x1b" not in result.stderr + result.stdout
    assert "  greet (set) COMPLETED" in result.stderr
    assert "  shout (set) COMPLETED" in result.stderr
    assert result.stdout.splitlines()[0].endswith("COMPLETED") or " COMPLETED in " in result.stdout
    assert '"message": "HELLO, WORLD!"' in result.stdout
