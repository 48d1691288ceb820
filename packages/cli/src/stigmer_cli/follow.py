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
# After the terminal state the server ends the stream by itself; it gets this long to do so
# before the stream is cancelled.
_END_WAIT_S = 2.0
# A cancelled stream fails at once (gRPC cancels locally), so the reader stops as soon as it gets
# the CPU; the bound is generous because a reader still running at exit is the hazard itself.
_STOP_WAIT_S = 30.0
# The stream's gRPC deadline outlives --timeout by this much, so that the CLI's own timeout
# (which also cancels the execution) comes first; the deadline bounds a stalled server.
_DEADLINE_GRACE_S = 5.0


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


class _Subscription:
    """A ``subscribe`` stream read into a queue by a thread that ``close`` joins.

    The reader is the only thread that iterates the (single-threaded) stream, so the
    stream's events are handled on it and nowhere else. Once ``close`` returns, no thread but
    the caller's has touched the call since, so nothing can hold the call's lock when its
    finalizer runs, however late that is (docs/adr/0014-cli-grpc-lifecycle.md).

    The reader is a daemon thread only so that a reader that does not stop (never seen) cannot
    keep the process alive.
    """

    def __init__(self, client: StigmerClient, execution_id: str, timeout: float | None) -> None:
        deadline = timeout + _DEADLINE_GRACE_S if timeout is not None else None
        self._call = client.subscribe(execution_id, deadline)
        self.inbox: queue.Queue[Any] = queue.Queue()
        self._reader = threading.Thread(target=self._pump, name="subscribe", daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        try:
            for message in self._call:
                self.inbox.put(message)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.CANCELLED:
                self.inbox.put(err)
        finally:
            self.inbox.put(_END)

    def close(self, *, ended: bool) -> None:
        """Cancel the stream and wait for the reader to stop.

        Args:
            ended: The terminal state arrived, so the server is ending the stream: give it
                the chance to, which lets the call finish cleanly instead of cancelled.
        """
        if ended:
            self._reader.join(_END_WAIT_S)
        self._call.cancel()
        self._reader.join(_STOP_WAIT_S)


def follow(
    client: StigmerClient, execution_id: str, view: View | None, timeout: float | None
) -> ExecutionView:
    """Show every state of an execution until it is terminal.

    The stream is read on a helper thread so that the main thread stays responsive to
    Ctrl-C (``KeyboardInterrupt``) and can redraw running durations. The stream is closed and
    its reader stopped before this returns or raises.

    Returns:
        The terminal state.

    Raises:
        FollowTimeoutError: Not terminal within ``timeout`` seconds.
        grpc.RpcError: The stream failed.
        KeyboardInterrupt: Interrupted; the stream is cancelled.
    """
    subscription = _Subscription(client, execution_id, timeout)
    deadline = time.monotonic() + timeout if timeout else None
    last: ExecutionView | None = None
    try:
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise FollowTimeoutError(f"execution {execution_id} still running after {timeout}s")
            try:
                item = subscription.inbox.get(timeout=_TICK_S)
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
        subscription.close(ended=last is not None and last.terminal)
        if view is not None:
            view.close()
    if last is None or not last.terminal:
        # The stream closed without a terminal state (server restart): take the stored one.
        last = ExecutionView.of(client.get_execution(execution_id))
        if not last.terminal:
            raise FollowTimeoutError(f"lost the stream of {execution_id} while it was {last.phase}")
    return last
