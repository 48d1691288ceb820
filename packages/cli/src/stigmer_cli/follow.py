"""Following an execution over ``subscribe`` until it ends, feeding a view."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Protocol

import grpc

from stigmer_cli.client import StigmerClient
from stigmer_cli.render.model import ExecutionView

_TICK_S = 0.25
_END = object()


class View(Protocol):
    """Something that shows execution states as they arrive."""

    def update(self, view: ExecutionView) -> None:
        """Show a new state."""

    def tick(self) -> None:
        """Called regularly between updates."""

    def close(self) -> None:
        """Called once at the end."""


class FollowTimeoutError(Exception):
    """The execution did not end within the allowed time."""


def follow(
    client: StigmerClient, execution_id: str, view: View | None, timeout: float | None
) -> ExecutionView:
    """Show every state of an execution until it is terminal.

    The stream is read on a helper thread so that the main thread stays responsive to
    Ctrl-C (``KeyboardInterrupt``) and can redraw running durations.

    Returns:
        The terminal state.

    Raises:
        FollowTimeoutError: Not terminal within ``timeout`` seconds.
        grpc.RpcError: The stream failed.
        KeyboardInterrupt: Interrupted; the stream is cancelled.
    """
    call = client.subscribe(execution_id)
    inbox: queue.Queue[Any] = queue.Queue()

    def pump() -> None:
        try:
            for message in call:
                inbox.put(message)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.CANCELLED:
                inbox.put(err)
        inbox.put(_END)

    reader = threading.Thread(target=pump, name="subscribe", daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout if timeout else None
    last: ExecutionView | None = None
    try:
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise FollowTimeoutError(f"execution {execution_id} still running after {timeout}s")
            try:
                item = inbox.get(timeout=_TICK_S)
            except queue.Empty:
                if view is not None:
                    view.tick()
                continue
            if item is _END:
                break
            if isinstance(item, grpc.RpcError):
                raise item
            last = ExecutionView.of(item)
            if view is not None:
                view.update(last)
            if last.terminal:
                break
    finally:
        call.cancel()
        if view is not None:
            view.close()
    if last is None or not last.terminal:
        # The stream closed without a terminal state (server restart): take the stored one.
        last = ExecutionView.of(client.get_execution(execution_id))
        if not last.terminal:
            raise FollowTimeoutError(f"lost the stream of {execution_id} while it was {last.phase}")
    return last
