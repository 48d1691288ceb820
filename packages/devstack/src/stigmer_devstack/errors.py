"""Errors of the embedded stack, each with a message fit to show a user as is."""

from __future__ import annotations

from stigmer_devstack.binaries import BinaryNotFoundError


class StackError(RuntimeError):
    """The stack could not start or a process in it failed."""


class PortBusyError(StackError):
    """A port the stack needs is already taken."""

    def __init__(self, busy: dict[str, int], host: str) -> None:
        """Name every busy port and say what to do about it.

        Args:
            busy: Busy ports by role (``stigmer-server gRPC`` -> 7234).
            host: The interface the stack binds.
        """
        self.busy = dict(busy)
        listed = ", ".join(f"{role} {host}:{port}" for role, port in busy.items())
        super().__init__(
            f"port already in use: {listed}; is another `stigmer dev` running? "
            "Stop it, or choose other ports (--grpc-port, --temporal-port, --ui-port, --redis-port)"
        )


__all__ = ["BinaryNotFoundError", "PortBusyError", "StackError"]
