"""The in-place redrawn task table for terminals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TextIO

from stigmer_cli.render.model import ExecutionView, format_seconds
from stigmer_cli.render.table import task_table


class LiveTable:
    """Redraws the task table in place (ANSI cursor movement) on every update and tick."""

    def __init__(self, stream: TextIO) -> None:
        """Draw on ``stream``, a terminal."""
        self._stream = stream
        self._lines = 0
        self._view: ExecutionView | None = None

    def update(self, view: ExecutionView) -> None:
        """Show a new state of the execution."""
        self._view = view
        self._draw()

    def tick(self) -> None:
        """Redraw so that running durations advance."""
        if self._view is not None and not self._view.terminal:
            self._draw()

    def close(self) -> None:
        """Leave the last drawing on screen."""
        self._stream.flush()

    def _draw(self) -> None:
        view = self._view
        if view is None:
            return
        now = datetime.now(UTC)
        took = format_seconds(view.seconds(now))
        lines = [f"\x1b[1m{view.id}\x1b[0m  {view.phase}  {took}".rstrip()]
        lines += task_table(view.tasks, now, color=True)
        out = []
        if self._lines:
            # Back to the first line of the previous drawing, then clear it and below.
            out.append(f"\x1b[{self._lines}F")
        out.append("\x1b[J")
        out.append("\n".join(lines) + "\n")
        self._stream.write("".join(out))
        self._stream.flush()
        self._lines = len(lines)
