"""Errors the CLI reports as one line, with the exit code each one means."""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure shown to the user as ``stigmer: error: <message>``.

    Attributes:
        message: One readable line.
        exit_code: The process exit status.
    """

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        """Create the error.

        Args:
            message: One readable line.
            exit_code: The process exit status.
        """
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class UsageError(CliError):
    """Bad arguments or unreadable input (exit status 2)."""

    def __init__(self, message: str) -> None:
        """Create the error with exit status 2."""
        super().__init__(message, EXIT_USAGE)


def describe_rpc_error(err: Any) -> str:
    """``CODE: details`` of a ``grpc.RpcError`` (a ``grpc.Call``)."""
    code = err.code() if callable(getattr(err, "code", None)) else None
    details = err.details() if callable(getattr(err, "details", None)) else None
    name = code.name if code is not None else "UNKNOWN"
    return f"{name}: {details or 'no details'}"
