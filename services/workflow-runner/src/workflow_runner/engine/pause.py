"""Pausing the interpreter between two tasks (the ``pause`` / ``resume`` signals)."""

from __future__ import annotations

from temporalio import workflow


class PauseGate:
    """Holds every task start while the execution is paused.

    The signals set the state; :meth:`wait` is awaited before each task starts, so the task in
    progress finishes and no other starts until :meth:`resume`. Waiting adds a history event
    only while paused: a run that is never paused replays as before.
    """

    def __init__(self) -> None:
        """Start running (not paused), with no signal seen."""
        self.paused = False
        self.signalled = False

    def pause(self) -> None:
        """Hold the next task starts (the ``pause`` signal)."""
        self.paused = True
        self.signalled = True

    def resume(self) -> None:
        """Let task starts go on (the ``resume`` signal)."""
        self.paused = False
        self.signalled = True

    def restore(self, paused: bool) -> None:
        """Take the state a previous run carried, unless this run was signalled already."""
        if not self.signalled:
            self.paused = paused

    async def wait(self) -> None:
        """Return at once when running; else when resumed."""
        if self.paused:
            await workflow.wait_condition(lambda: not self.paused)
