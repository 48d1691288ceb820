"""A pool of jq worker processes that evaluate expressions under a CPU, memory and output budget.

libjq runs a program to its end while holding the GIL, so an expression evaluated in the runner
process stops its heartbeats and every other workflow task for as long as it runs. Here each
evaluation is one request/response over a pipe to a :mod:`~workflow_runner.engine.jq_worker`
process: the caller blocks in ``poll`` (GIL released), the kernel ends a worker that used its CPU
budget, the caller kills one that overruns the wall-clock backstop, and a fresh worker replaces
either. Design: docs/adr/0021-expression-budget.md.
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from workflow_runner.engine import jq_worker
from workflow_runner.engine.config import ExpressionBudget

_WORKER_SCRIPT = Path(jq_worker.__file__)
_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Result:
    """A finished evaluation: the first result as JSON text ("" when there was none)."""

    text: str


@dataclass(frozen=True)
class JqError:
    """jq rejected the program or raised an error while running it."""

    message: str


@dataclass(frozen=True)
class OutputTooLarge:
    """The program's output is larger than the budget allows."""

    size: int
    limit: int


@dataclass(frozen=True)
class Overrun:
    """The evaluation was stopped: ``kind`` is ``cpu``, ``time`` (wall clock) or ``memory``."""

    kind: str


Outcome = Result | JqError | OutputTooLarge | Overrun


class _WorkerGone(Exception):
    """The worker died before taking the request (killed from outside while idle)."""


class _Worker:
    """One jq worker process."""

    def __init__(self, budget: ExpressionBudget) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(_WORKER_SCRIPT), str(budget.max_memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a terminal's Ctrl-C must not reach the workers first
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.write_fd = self.process.stdin.fileno()
        self.read_fd = self.process.stdout.fileno()
        self.poller = select.poll()
        self.poller.register(self.read_fd, select.POLLIN)
        self.buffer = bytearray()
        self.ready = False

    def _read(self, size: int, deadline: float) -> bytes | None:
        """Read exactly ``size`` bytes; None at end of file or when ``deadline`` passes."""
        buffer = self.buffer
        while len(buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if not self.poller.poll(max(1, int(remaining * 1000))):
                continue
            chunk = os.read(self.read_fd, max(65536, size - len(buffer)))
            if not chunk:
                return None
            buffer += chunk
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    def wait_ready(self) -> None:
        """Wait until the process has started and said so (once)."""
        if not self.ready:
            if self._read(1, time.monotonic() + _START_TIMEOUT) != b"R":
                raise _WorkerGone("the jq worker did not start")
            self.ready = True

    def evaluate(
        self, program: bytes, document: bytes, cpu_seconds: float, budget: ExpressionBudget
    ) -> Outcome:
        """Send one request and wait for its answer, or for the process to end."""
        self.wait_ready()
        max_output = budget.max_output_bytes
        header = jq_worker.HEADER.pack(cpu_seconds, max_output, len(program), len(document))
        request = memoryview(header + program + document)
        try:
            while request:
                request = request[os.write(self.write_fd, request) :]
        except BrokenPipeError:
            raise _WorkerGone("the jq worker exited") from None
        # The CPU timer in the worker is the budget; the wall clock backs it up for a worker
        # that does not get the CPU, below Temporal's 2 s deadlock detection by default.
        deadline = time.monotonic() + cpu_seconds + budget.wall_slack_seconds
        answer = self._read(jq_worker.ANSWER.size, deadline)
        payload: bytes | None = b""
        if answer is not None:
            status, size = jq_worker.ANSWER.unpack(answer)
            payload = self._read(size, deadline) if size else b""
        if answer is None or payload is None:
            return self._stopped(time.monotonic() >= deadline)
        if status == jq_worker.OK:
            return Result(payload.decode())
        if status == jq_worker.TOO_LARGE:
            return OutputTooLarge(int(payload), max_output)
        return JqError(payload.decode(errors="replace"))

    def _stopped(self, late: bool) -> Overrun:
        """Why the worker gave no answer (``late``: it is still running), once it is gone."""
        if late:
            self.kill()
            return Overrun("time")
        self.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        return Overrun("cpu" if self.process.returncode == -signal.SIGPROF else "memory")

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def kill(self) -> None:
        """End the process now."""
        self.process.kill()
        self.process.wait()
        self.close()

    def close(self) -> None:
        """Close the pipes (the worker exits at end of input)."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class ExpressionPool:
    """Up to ``budget.workers`` jq worker processes, started on demand and shared by threads."""

    def __init__(self, budget: ExpressionBudget) -> None:
        """Create an empty pool; workers start when first needed (or on :meth:`prestart`)."""
        self.budget = budget
        self._slots = threading.BoundedSemaphore(budget.workers)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._closed = False
        self.workers_started = 0

    def prestart(self) -> None:
        """Start every worker now and wait until each is ready.

        The first evaluations then do not wait for a process start inside a workflow task: on
        a loaded machine that wait exceeded Temporal's 2 s deadlock detection (TMPRL1101 after
        each runner restart in the chaos soak, docs/adr/0034-chaos-soak.md). A worker that
        does not start is dropped; evaluations start another.
        """
        with self._lock:
            while len(self._idle) < self.budget.workers:
                self._idle.append(self._start())
            for worker in list(self._idle):
                try:
                    worker.wait_ready()
                except _WorkerGone:
                    worker.kill()
                    self._idle.remove(worker)

    def evaluate(self, program: str, document: str, cpu_seconds: float | None = None) -> Outcome:
        """Run the jq ``program`` on the JSON text ``document`` under the budget.

        Args:
            program: jq source.
            document: The input as JSON text.
            cpu_seconds: CPU budget of this evaluation; defaults to ``budget.cpu_seconds``.
        """
        cpu = self.budget.cpu_seconds if cpu_seconds is None else cpu_seconds
        encoded_program, encoded_document = program.encode(), document.encode()
        with self._slots:
            for _ in range(2):  # once more with a fresh worker when an idle one had died
                worker = self._checkout()
                try:
                    outcome = worker.evaluate(encoded_program, encoded_document, cpu, self.budget)
                except _WorkerGone:
                    worker.kill()
                    continue
                except BaseException:
                    worker.kill()
                    raise
                self._checkin(worker)
                return outcome
        return Overrun("memory")  # two workers in a row died on this request

    def _checkout(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("the expression pool is closed")
            if self._idle:
                return self._idle.pop()
            return self._start()

    def _start(self) -> _Worker:
        self.workers_started += 1
        return _Worker(self.budget)

    def _checkin(self, worker: _Worker) -> None:
        if not worker.alive():
            return
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.close()

    def close(self) -> None:
        """Stop the idle workers (busy ones are closed when they are returned)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()
            worker.process.wait()


_installed: ExpressionPool | None = None
_install_lock = threading.Lock()


def install(budget: ExpressionBudget) -> ExpressionPool:
    """Make the process's pool use ``budget`` (the runner calls this once at start)."""
    global _installed
    with _install_lock:
        previous, _installed = _installed, ExpressionPool(budget)
        created = _installed
    atexit.register(created.close)
    if previous is not None:
        previous.close()
    return created


def pool() -> ExpressionPool:
    """The process's pool: the installed one, else one built from the environment."""
    global _installed
    current = _installed
    if current is not None:
        return current
    with _install_lock:
        if _installed is None:
            _installed = ExpressionPool(ExpressionBudget.from_env())
            atexit.register(_installed.close)
        return _installed
