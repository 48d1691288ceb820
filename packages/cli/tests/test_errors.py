"""The one line and exit status of each failed call."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest
from stigmer_cli.errors import EXIT_FAILED, EXIT_USAGE, rpc_failure


@dataclass(frozen=True)
class _Failed:
    """A failed call as grpc reports it (code and details)."""

    status: grpc.StatusCode
    text: str

    def code(self) -> grpc.StatusCode:
        return self.status

    def details(self) -> str:
        return self.text


_ADDRESS = "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: "


@pytest.mark.parametrize(
    ("code", "details", "exit_code", "line"),
    [
        (
            grpc.StatusCode.UNAUTHENTICATED,
            "missing or invalid API key",
            EXIT_USAGE,
            "the server refused the call without a valid API key: pass --api-key-file FILE",
        ),
        (
            grpc.StatusCode.PERMISSION_DENIED,
            "a read key cannot apply",
            EXIT_USAGE,
            "the API key is not allowed to do this (a read key cannot apply)",
        ),
        (
            grpc.StatusCode.UNAVAILABLE,
            _ADDRESS + "Ssl handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: "
            "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED",
            EXIT_USAGE,
            "TLS handshake with the server failed (CERTIFICATE_VERIFY_FAILED: no trusted CA",
        ),
        (
            grpc.StatusCode.UNAVAILABLE,
            _ADDRESS + "Custom verification check failed with error: UNAUTHENTICATED: "
            "Hostname Verification Check failed.",
            EXIT_USAGE,
            "TLS handshake with the server failed (the certificate does not name the server)",
        ),
        (
            grpc.StatusCode.UNAVAILABLE,
            _ADDRESS + "Tls handshake failed (TSI_PROTOCOL_FAILURE): something new",
            EXIT_USAGE,
            "TLS handshake with the server failed (see --debug)",
        ),
        (
            grpc.StatusCode.UNAVAILABLE,
            _ADDRESS + "Socket closed",
            EXIT_FAILED,
            f"UNAVAILABLE: {_ADDRESS}Socket closed (if the server serves TLS, pass --tls; "
            "if it requires a client certificate, --cert and --key)",
        ),
        (
            grpc.StatusCode.UNAVAILABLE,
            _ADDRESS + "Failed to connect to remote host: Connection refused",
            EXIT_FAILED,
            f"UNAVAILABLE: {_ADDRESS}Failed to connect to remote host: Connection refused",
        ),
        (grpc.StatusCode.NOT_FOUND, "no such execution", EXIT_FAILED, "NOT_FOUND: no such"),
    ],
    ids=[
        "unauthenticated",
        "permission-denied",
        "untrusted-certificate",
        "wrong-name",
        "other-handshake",
        "socket-closed",
        "refused",
        "not-found",
    ],
)
def test_each_failure_is_one_line_with_its_exit_status(
    code: grpc.StatusCode, details: str, exit_code: int, line: str
) -> None:
    failure = rpc_failure(_Failed(code, details))
    assert failure.exit_code == exit_code
    assert failure.message.startswith(line), failure.message
    assert "\n" not in failure.message
