"""Liveness check of a workflow-runner container.

The image's HEALTHCHECK (and the Helm chart's exec liveness probe) runs
``python /opt/stigmer/libexec/runner_health.py``. A worker serves no port, so the check is:

1. a ``workflow-runner`` process exists and is neither a zombie nor stopped (the container's
   PID 1 is tini, so a dead runner would otherwise go unnoticed only for the instant before
   tini exits too; a stopped or wedged one would not);
2. when ``RUNNER_HEARTBEAT_FILE`` is set, that file was modified less than
   ``RUNNER_HEARTBEAT_MAX_AGE_SECONDS`` (default 60) ago. The runner does not write such a
   file yet: set the variable only once it does (see deploy/README.md, "Runner liveness").

It deliberately does not contact Temporal or stigmer-server: an outage of a dependency must
not make Kubernetes restart every worker.

Usage: ``runner_health.py [--pid PID]``; ``--pid`` checks that process instead of searching.
Exit status 0 when alive, 1 otherwise, with the reason on stderr.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PROC = Path("/proc")
NAMES = (b"workflow-runner", b"workflow_runner.main")
DEAD_STATES = {"Z", "X", "T", "t"}


def _state(pid: int) -> str | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # "pid (comm) S ...": comm may hold spaces or parentheses, the state follows the last ")".
    return stat.rsplit(")", 1)[1].split()[0]


def _is_runner(pid: int) -> bool:
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(arg == name or arg.endswith(b"/" + name) for arg in argv for name in NAMES)


def find_runners() -> list[int]:
    """Pids of the workflow-runner processes visible in /proc (other than this one)."""
    me = os.getpid()
    return sorted(
        int(p.name)
        for p in PROC.iterdir()
        if p.name.isdigit() and int(p.name) != me and _is_runner(int(p.name))
    )


def check(pid: int | None = None, env: dict[str, str] | None = None) -> str | None:
    """Return None when the runner is alive, else a one-line reason."""
    env = dict(os.environ) if env is None else env
    pids = [pid] if pid is not None else find_runners()
    if not pids:
        return "no workflow-runner process"
    states = {p: _state(p) for p in pids}
    if not any(s is not None and s not in DEAD_STATES for s in states.values()):
        return "workflow-runner not running: " + ", ".join(
            f"pid {p} state {s or 'gone'}" for p, s in states.items()
        )
    heartbeat = env.get("RUNNER_HEARTBEAT_FILE")
    if heartbeat:
        max_age = float(env.get("RUNNER_HEARTBEAT_MAX_AGE_SECONDS") or 60)
        try:
            age = time.time() - Path(heartbeat).stat().st_mtime
        except OSError as err:
            return f"heartbeat file {heartbeat}: {err.strerror}"
        if age > max_age:
            return f"heartbeat file {heartbeat} is {age:.0f}s old (max {max_age:.0f}s)"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the check; return the process exit status."""
    args = sys.argv[1:] if argv is None else argv
    pid = int(args[1]) if len(args) == 2 and args[0] == "--pid" else None
    reason = check(pid)
    if reason is not None:
        print(f"workflow-runner unhealthy: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
