"""Connection settings for stigmer-server, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import grpc
from stigmer_protos.client_auth import read_api_key, tls_credentials

DEFAULT_ENDPOINT = "localhost:7234"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class ClientConfig:
    """How to reach stigmer-server.

    Attributes:
        endpoint: ``host:port`` of the gRPC server (``STIGMER_BACKEND_ENDPOINT``).
        api_key: Sent as ``authorization: Bearer <key>`` on every call when set
            (``STIGMER_API_KEY``, or the stripped content of ``STIGMER_API_KEY_FILE``).
        use_tls: Use a TLS channel (``STIGMER_SERVICE_USE_TLS``); implied by any of the
            three files below.
        ca_file: PEM roots to verify the server with instead of the system roots
            (``STIGMER_SERVICE_CA_FILE``).
        client_cert_file: PEM client certificate chain for mTLS
            (``STIGMER_SERVICE_CLIENT_CERT_FILE``), with ``client_key_file``.
        client_key_file: Its private key (``STIGMER_SERVICE_CLIENT_KEY_FILE``).
        server_name: Override of the name checked against the server certificate
            (``STIGMER_SERVICE_TLS_SERVER_NAME``), e.g. when dialing an IP address.
        call_timeout_seconds: Deadline of each attempt of each call.
        max_attempts: Attempts per call, counting the first, on UNAVAILABLE.
        initial_backoff_seconds: Upper bound of the first retry delay (jittered).
        max_backoff_seconds: Cap of the retry delay.
    """

    endpoint: str = DEFAULT_ENDPOINT
    api_key: str | None = None
    use_tls: bool = False
    ca_file: str | None = None
    client_cert_file: str | None = None
    client_key_file: str | None = None
    server_name: str | None = None
    call_timeout_seconds: float = 10.0
    max_attempts: int = 8
    initial_backoff_seconds: float = 0.2
    max_backoff_seconds: float = 5.0

    def __post_init__(self) -> None:
        if not self.endpoint:
            raise ValueError("endpoint must not be empty")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.call_timeout_seconds <= 0:
            raise ValueError("call_timeout_seconds must be > 0")
        if (self.client_cert_file is None) != (self.client_key_file is None):
            raise ValueError(
                "STIGMER_SERVICE_CLIENT_CERT_FILE and STIGMER_SERVICE_CLIENT_KEY_FILE "
                "must be set together"
            )
        if self.ca_file or self.client_cert_file:
            object.__setattr__(self, "use_tls", True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientConfig:
        """Read ``STIGMER_BACKEND_ENDPOINT``, ``STIGMER_API_KEY`` (or ``STIGMER_API_KEY_FILE``),
        ``STIGMER_SERVICE_USE_TLS``.

        Also ``STIGMER_SERVICE_CA_FILE``, ``STIGMER_SERVICE_CLIENT_CERT_FILE``,
        ``STIGMER_SERVICE_CLIENT_KEY_FILE``, ``STIGMER_SERVICE_TLS_SERVER_NAME`` and
        ``STIGMER_CLIENT_MAX_ATTEMPTS`` (attempts per call on UNAVAILABLE).

        Args:
            environ: The environment to read (default: ``os.environ``).

        Raises:
            ValueError: ``STIGMER_SERVICE_USE_TLS`` is not a boolean,
                ``STIGMER_CLIENT_MAX_ATTEMPTS`` not a positive integer, or
                ``STIGMER_API_KEY_FILE`` unreadable, empty or set with ``STIGMER_API_KEY``.
        """
        env = os.environ if environ is None else environ
        tls = env.get("STIGMER_SERVICE_USE_TLS", "").strip().lower()
        if tls not in _TRUE | _FALSE:
            raise ValueError(f"STIGMER_SERVICE_USE_TLS must be true or false, got {tls!r}")
        return cls(
            endpoint=env.get("STIGMER_BACKEND_ENDPOINT", "").strip() or DEFAULT_ENDPOINT,
            api_key=_api_key(env),
            use_tls=tls in _TRUE,
            ca_file=env.get("STIGMER_SERVICE_CA_FILE", "").strip() or None,
            client_cert_file=env.get("STIGMER_SERVICE_CLIENT_CERT_FILE", "").strip() or None,
            client_key_file=env.get("STIGMER_SERVICE_CLIENT_KEY_FILE", "").strip() or None,
            server_name=env.get("STIGMER_SERVICE_TLS_SERVER_NAME", "").strip() or None,
            max_attempts=_positive_int(env, "STIGMER_CLIENT_MAX_ATTEMPTS", cls.max_attempts),
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        """TLS credentials: ``ca_file`` roots (else the system's), the client pair for mTLS.

        Raises:
            OSError: A configured file cannot be read.
        """
        return tls_credentials(self.ca_file, self.client_cert_file, self.client_key_file)

    def __repr__(self) -> str:
        # Never print the key.
        key = "set" if self.api_key else None
        return (
            f"ClientConfig(endpoint={self.endpoint!r}, api_key={key!r}, use_tls={self.use_tls}, "
            f"mtls={self.client_cert_file is not None}, "
            f"call_timeout_seconds={self.call_timeout_seconds}, max_attempts={self.max_attempts})"
        )


def _api_key(env: Mapping[str, str]) -> str | None:
    inline = env.get("STIGMER_API_KEY", "").strip() or None
    path = env.get("STIGMER_API_KEY_FILE", "").strip() or None
    return read_api_key("STIGMER_API_KEY", inline, "STIGMER_API_KEY_FILE", path)


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive integer, got {raw!r}")
    return int(raw)
