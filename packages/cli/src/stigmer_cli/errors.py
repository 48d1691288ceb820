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


KEY_HINT = (
    "pass --api-key-file FILE (or --api-key KEY), set STIGMER_API_KEY or STIGMER_API_KEY_FILE, "
    "or select a context that has one (stigmer config set-context)"
)
CLOSED_HINT = (
    "if the server serves TLS, pass --tls; if it requires a client certificate, --cert and --key"
)
# How gRPC's C core reports a failed TLS handshake in the details of an UNAVAILABLE call, and
# the reasons worth naming (OpenSSL's names, or what gRPC's own check says).
_HANDSHAKE_MARKS = ("handshake failed", "ssl_error", "tsi_", "verification check failed")
_TLS_REASONS = (
    ("CERTIFICATE_VERIFY_FAILED", "CERTIFICATE_VERIFY_FAILED: no trusted CA signed it"),
    ("Hostname Verification", "the certificate does not name the server"),
    ("WRONG_VERSION_NUMBER", "WRONG_VERSION_NUMBER: the server may not serve TLS"),
    ("CERTIFICATE_REQUIRED", "the server wants a client certificate"),
    ("BAD_CERTIFICATE", "the server refused the client certificate"),
    ("UNKNOWN_CA", "the server does not trust the client certificate's CA"),
)


def rpc_failure(err: Any) -> CliError:
    """The one line and exit status of a failed call (a ``grpc.RpcError``).

    A missing or wrong key (UNAUTHENTICATED), a key without the right (PERMISSION_DENIED) and a
    failed TLS handshake are the caller's setup, not the server's state: exit status 2, and a
    line that says what to change. Anything else is ``CODE: details``, exit status 1 (with a
    hint when the server closed the connection, which is how a TLS server answers plaintext and
    an mTLS server a client without a certificate).
    """
    code = err.code() if callable(getattr(err, "code", None)) else None
    details = (err.details() if callable(getattr(err, "details", None)) else None) or ""
    name = code.name if code is not None else "UNKNOWN"
    if name == "UNAUTHENTICATED":
        return UsageError(f"the server refused the call without a valid API key: {KEY_HINT}")
    if name == "PERMISSION_DENIED":
        return UsageError(
            f"the API key is not allowed to do this ({details or 'PERMISSION_DENIED'}): "
            "use a key with the right scope"
        )
    if name == "UNAVAILABLE" and any(m in details.lower() for m in _HANDSHAKE_MARKS):
        reason = next((text for mark, text in _TLS_REASONS if mark in details), "see --debug")
        return UsageError(
            f"TLS handshake with the server failed ({reason}): check --tls, --ca, "
            "--cert/--key and --tls-server-name against the server's certificate"
        )
    if name == "UNAVAILABLE" and details.endswith("Socket closed"):
        # What a plaintext client sees of a TLS server, and a client without a certificate of
        # a server requiring one (TLS 1.3 ends the handshake before the server checks it).
        return CliError(f"{describe_rpc_error(err)} ({CLOSED_HINT})")
    return CliError(describe_rpc_error(err))
