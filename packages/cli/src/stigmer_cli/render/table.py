"""The task table (name, kind, status, duration) shared by the live view and ``get``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stigmer_cli.render.model import TaskRow, format_seconds

_MARK = {
    "COMPLETED": ("✔", "32"),
    "FAILED": ("✘", "31"),
    "IN_PROGRESS": ("●", "33"),
    "PENDING": ("○", "2"),
    "SKIPPED": ("-", "2"),
}
_HEADER = ("TASK", "KIND", "STATUS", "DURATION")


def task_table(rows: Sequence[TaskRow], now: datetime, *, color: bool) -> list[str]:
    """The table as lines; nested tasks are indented by the depth of their pointer."""
    cells = [_HEADER] + [
        (
            "  " * _depth(r.task_id) + r.name,
            r.kind,
            f"{_MARK.get(r.status, ('?', '0'))[0]} {r.status}",
            format_seconds(r.seconds(now)),
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(_HEADER))]
    lines = []
    for index, row in enumerate(cells):
        text = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        if color and index == 0:
            text = f"\x1b[1m{text}\x1b[0m"
        elif color:
            code = _MARK.get(rows[index - 1].status, ("", "0"))[1]
            text = f"\x1b[{code}m{text}\x1b[0m"
        lines.append(text)
    return lines


def _depth(task_id: str) -> int:
    # "/do/0/a" is depth 0; every nested task list adds two more pointer tokens.
    tokens = [t for t in task_id.split("/") if t]
    return max(0, (len(tokens) - 3) // 2)
