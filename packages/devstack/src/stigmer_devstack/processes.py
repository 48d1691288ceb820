"""Child processes with their output captured to a log file and optionally echoed with a prefix."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

LogSink = Callable[[str, str], None]
"""Receives ``(process name, one output line without its newline)``."""


class ManagedProcess:
    """One child process of the stack.

    Its stdout and stderr go, line by line, to ``log_path`` and to the optional sink. It runs in
    its own session so that a Ctrl-C on the terminal reaches only the parent, which then stops
    the children in order.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        sink: LogSink | None = None,
        cwd: Path | None = None,
    ) -> None:
        """Start the process at once.

        Args:
            name: Short name used as the log prefix (``temporal``, ``server`` ...).
            args: Command line.
            log_path: File receiving every output line (appended).
            env: Full environment of the child; the parent's when omitted.
            sink: Also receives every output line.
            cwd: Working directory.
        """
        self.name = name
        self.log_path = log_path
        self._sink = sink
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[str] = log_path.open("a", encoding="utf-8")
        self._proc = subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        self._pump = threading.Thread(target=self._copy_output, name=f"log-{name}", daemon=True)
        self._pump.start()

    @property
    def pid(self) -> int:
        """The child's pid."""
        return self._proc.pid

    def alive(self) -> bool:
        """Return whether the process is still running."""
        return self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """Exit status once it has exited, else ``None``."""
        return self._proc.poll()

    def _copy_output(self) -> None:
        stream = self._proc.stdout
        assert stream is not None
        try:
            for raw in stream:
                line = raw.rstrip("\n")
                self._log.write(line + "\n")
                self._log.flush()
                if self._sink is not None:
                    self._sink(self.name, line)
        except ValueError:
            pass  # the log was closed by stop() while a lingering grandchild still wrote

    def tail(self, max_chars: int = 2000) -> str:
        """The end of the process's log, for error messages."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-max_chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; always reaps the child."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
        self._pump.join(timeout=2.0)
        self._log.close()
