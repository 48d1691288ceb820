"""``python -m stigmer_bench.cli_stress``: run ``stigmer run`` many times and count hung processes.

Each run is a fresh ``stigmer run -f examples/hello.yaml -o json --endpoint ...`` process with a
hard time limit. A process counts as hung when it is still alive at its limit (it is killed) or
when the CLI's exit watchdog had to end it (its note or stack dump is on stderr); it counts as
failed when it exits non-zero or prints no COMPLETED JSON result. Without ``--endpoint`` one
embedded stack (``stigmer_devstack``) serves every run.

Examples:
    python -m stigmer_bench.cli_stress                  # 1000 runs on a stack of its own
    python -m stigmer_bench.cli_stress --runs 100 --endpoint 127.0.0.1:7234
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stigmer_cli.exit_guard import FORCED_EXIT_NOTE, STACK_DUMP_MARK
from stigmer_devstack import Stack, StackConfig

from stigmer_bench.results import percentile

REPO = Path(__file__).resolve().parents[3]
HELLO = REPO / "examples" / "hello.yaml"
DEFAULT_RUNS = 1000
DEFAULT_LIMIT_S = 60.0
_SHOWN_PROBLEMS = 5
_DUMP_WAIT_S = 5.0


@dataclass(frozen=True)
class Run:
    """One finished (or killed) ``stigmer run`` process.

    Attributes:
        seconds: Wall time from start to exit (or to the kill).
        hung: Still alive at the time limit (so killed), or ended by the CLI's exit watchdog.
        failed: Not hung, and exited non-zero or without a COMPLETED JSON result.
        detail: Why it counts as failed or hung (empty when it did not).
    """

    seconds: float
    hung: bool
    failed: bool
    detail: str = ""


@dataclass(frozen=True)
class StressReport:
    """Figures of a stress run.

    Attributes:
        runs: Processes started.
        hung: Processes killed at the time limit or ended by the CLI's exit watchdog.
        failed: Processes that exited with an error or a wrong result.
        p50_s: Median seconds per process.
        p95_s: 95th percentile seconds per process.
        problems: The first few hung or failed runs' details.
    """

    runs: int
    hung: int
    failed: int
    p50_s: float
    p95_s: float
    problems: tuple[str, ...]

    def summary(self) -> str:
        """One line of figures."""
        return (
            f"runs={self.runs} hung={self.hung} failed={self.failed} "
            f"p50={self.p50_s:.2f}s p95={self.p95_s:.2f}s"
        )


def run_once(endpoint: str, workflow: Path, limit_s: float) -> Run:
    """Run one ``stigmer run`` process, killing it at ``limit_s`` seconds.

    Args:
        endpoint: stigmer-server's ``host:port``.
        workflow: The DSL file to run; it must complete.
        limit_s: Hard time limit of the process.
    """
    command = [
        sys.executable,
        "-m",
        "stigmer_cli",
        "run",
        "-f",
        str(workflow),
        "-o",
        "json",
        "--endpoint",
        endpoint,
        "--timeout",
        str(limit_s / 2),
    ]
    started = time.monotonic()
    # faulthandler on, so that SIGABRT makes a hung process print every thread's stack.
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=limit_s)
        except subprocess.TimeoutExpired:
            seconds = time.monotonic() - started
            proc.send_signal(signal.SIGABRT)
            try:
                stdout, stderr = proc.communicate(timeout=_DUMP_WAIT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                stdout, stderr = proc.communicate()
            printed = "after printing its result" if stdout.strip() else "before any result"
            detail = f"{printed}; stacks:\n{_last_lines(stderr)}"
            return Run(seconds, hung=True, failed=False, detail=detail)
    seconds = time.monotonic() - started
    if FORCED_EXIT_NOTE in stderr or STACK_DUMP_MARK in stderr:
        return Run(seconds, hung=True, failed=False, detail=f"watchdog:\n{_last_lines(stderr)}")
    problem = _problem(proc.returncode, stdout, stderr)
    return Run(seconds, hung=False, failed=bool(problem), detail=problem)


def _last_lines(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _problem(code: int, stdout: str, stderr: str) -> str:
    if code != 0:
        return f"exit {code}: {stderr.strip()[-300:]}"
    try:
        phase = json.loads(stdout).get("phase")
    except ValueError:
        return f"not JSON: {stdout.strip()[-300:]}"
    return "" if phase == "COMPLETED" else f"phase {phase}"


def stress(
    endpoint: str,
    runs: int,
    *,
    workflow: Path = HELLO,
    limit_s: float = DEFAULT_LIMIT_S,
    parallel: int = 1,
    progress: bool = False,
) -> StressReport:
    """Run ``runs`` ``stigmer run`` processes against ``endpoint``.

    Args:
        endpoint: stigmer-server's ``host:port``.
        runs: How many processes to run.
        workflow: The DSL file each process runs.
        limit_s: Hard time limit of each process.
        parallel: How many processes run at a time (1: one after the other).
        progress: Print a line to stderr every 50 runs and for every problem.
    """
    done: list[Run] = []
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        finished = pool.map(lambda _: run_once(endpoint, workflow, limit_s), range(runs))
        for index, run in enumerate(finished, start=1):
            done.append(run)
            if progress and run.detail:
                kind = "hung" if run.hung else "failed"
                print(f"run {index}: {kind}: {run.detail}", file=sys.stderr, flush=True)
            if progress and index % 50 == 0:
                print(_report(done).summary(), file=sys.stderr, flush=True)
    return _report(done)


def _report(done: Sequence[Run]) -> StressReport:
    seconds = [run.seconds for run in done]
    problems = tuple(
        f"{'hung' if run.hung else 'failed'}: {run.detail}" for run in done if run.detail
    )
    return StressReport(
        runs=len(done),
        hung=sum(run.hung for run in done),
        failed=sum(run.failed for run in done),
        p50_s=percentile(seconds, 50),
        p95_s=percentile(seconds, 95),
        problems=problems[:_SHOWN_PROBLEMS],
    )


@contextlib.contextmanager
def _endpoint(explicit: str | None) -> Iterator[str]:
    if explicit:
        yield explicit
        return
    with tempfile.TemporaryDirectory(prefix="stigmer-cli-stress-") as tmp:
        config = StackConfig.ephemeral(Path(tmp))
        with Stack(config) as endpoints:
            yield endpoints.grpc


def main(argv: list[str] | None = None) -> int:
    """Run the stress and print its figures; exit status 1 if any process hung or failed."""
    parser = argparse.ArgumentParser(
        prog="python -m stigmer_bench.cli_stress",
        description="Run `stigmer run` many times; count hung (killed) and failed processes.",
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="processes to run")
    parser.add_argument("--endpoint", help="stigmer-server host:port (else start a stack)")
    parser.add_argument(
        "--limit", type=float, default=DEFAULT_LIMIT_S, help="seconds before a run counts as hung"
    )
    parser.add_argument("-f", "--file", type=Path, default=HELLO, help="workflow to run")
    parser.add_argument(
        "--parallel", type=int, default=1, help="processes at a time (default: sequential)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.parallel < 1:
        parser.error("--runs and --parallel must be at least 1")
    with _endpoint(args.endpoint) as endpoint:
        report = stress(
            endpoint,
            args.runs,
            workflow=args.file,
            limit_s=args.limit,
            parallel=args.parallel,
            progress=True,
        )
    print(report.summary(), flush=True)
    for problem in report.problems:
        print(f"  {problem}", flush=True)
    return 1 if report.hung or report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
