"""Connection settings for stigmer-server, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_ENDPOINT = "localhost:7234"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class ClientConfig:
    """How to reach stigmer-server.

    Attributes:
        endpoint: ``host:port`` of the gRPC server (``STIGMER_BACKEND_ENDPOINT``).
        api_key: Sent as ``authorization: Bearer <key>`` on every call when set
            (``STIGMER_API_KEY``).
        use_tls: Use a TLS channel with the system roots (``STIGMER_SERVICE_USE_TLS``).
        call_timeout_seconds: Deadline of each attempt of each call.
        max_attempts: Attempts per call, counting the first, on UNAVAILABLE.
        initial_backoff_seconds: Upper bound of the first retry delay (jittered).
        max_backoff_seconds: Cap of the retry delay.
    """

    endpoint: str = DEFAULT_ENDPOINT
    api_key: str | None = None
    use_tls: bool = False
    call_timeout_seconds: float = 10.0
    max_attempts: int = 5
    initial_backoff_seconds: float = 0.2
    max_backoff_seconds: float = 5.0

    def __post_init__(self) -> None:
        if not self.endpoint:
            raise ValueError("endpoint must not be empty")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.call_timeout_seconds <= 0:
            raise ValueError("call_timeout_seconds must be > 0")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientConfig:
        """Read ``STIGMER_BACKEND_ENDPOINT``, ``STIGMER_API_KEY``, ``STIGMER_SERVICE_USE_TLS``.

        Args:
            environ: The environment to read (default: ``os.environ``).

        Raises:
            ValueError: ``STIGMER_SERVICE_USE_TLS`` is not a boolean.
        """
        env = os.environ if environ is None else environ
        tls = env.get("STIGMER_SERVICE_USE_TLS", "").strip().lower()
        if tls not in _TRUE | _FALSE:
            raise ValueError(f"STIGMER_SERVICE_USE_TLS must be true or false, got {tls!r}")
        return cls(
            endpoint=env.get("STIGMER_BACKEND_ENDPOINT", "").strip() or DEFAULT_ENDPOINT,
            api_key=env.get("STIGMER_API_KEY", "").strip() or None,
            use_tls=tls in _TRUE,
        )

    def __repr__(self) -> str:
        # Never print the key.
        key = "set" if self.api_key else None
        return (
            f"ClientConfig(endpoint={self.endpoint!r}, api_key={key!r}, use_tls={self.use_tls}, "
            f"call_timeout_seconds={self.call_timeout_seconds}, max_attempts={self.max_attempts})"
        )
