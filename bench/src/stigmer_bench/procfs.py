"""Memory and CPU figures of a process, from ``/proc`` (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def rss_bytes(pid: int) -> int:
    """Resident set size now (``VmRSS``), in bytes."""
    return _status_kib(pid, "VmRSS") * 1024


def hwm_bytes(pid: int) -> int:
    """Peak resident set size over the process's life (``VmHWM``), in bytes."""
    return _status_kib(pid, "VmHWM") * 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far, in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces; the fields after it start past the ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLOCK_TICKS


def children(pid: int) -> list[int]:
    """Pids of the live child processes of ``pid`` (from every thread's ``children`` list)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:  # the thread ended meanwhile
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` plus its live children (the runner's jq workers).

    A child's CPU only reaches its parent's figures once it is waited for, so the workers of a
    pool that outlives the measurement are read one by one; one that ends in between is missed.
    """
    total = cpu_seconds(pid)
    for child in children(pid):
        try:
            total += cpu_seconds(child)
        except OSError:
            continue
    return total
