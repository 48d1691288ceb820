"""Progress as plain lines, one per change, for logs and pipes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TextIO

from stigmer_cli.render.model import ExecutionView, format_seconds


class PlainProgress:
    """Prints a line when the phase or a task's status changes."""

    def __init__(self, stream: TextIO) -> None:
        """Print on ``stream``."""
        self._stream = stream
        self._phase = ""
        self._seen: dict[str, str] = {}

    def update(self, view: ExecutionView) -> None:
        """Print what changed since the previous state."""
        now = datetime.now(UTC)
        if view.phase != self._phase:
            self._phase = view.phase
            self._stream.write(f"{view.id} {view.phase}\n")
        for row in view.tasks:
            if self._seen.get(row.task_id) == row.status:
                continue
            self._seen[row.task_id] = row.status
            took = format_seconds(row.seconds(now)) if row.completed_at else ""
            error = f": {row.error}" if row.error else ""
            line = f"  {row.name} ({row.kind}) {row.status}" + (f" {took}" if took else "")
            self._stream.write(line + error + "\n")
        self._stream.flush()

    def tick(self) -> None:
        """Nothing to redraw."""

    def close(self) -> None:
        """Flush."""
        self._stream.flush()
