"""Server configuration, read once from the environment into a frozen value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from stigmer_protos.limits import MAX_MESSAGE_BYTES
from stigmer_telemetry import log_level_from_env

from stigmer_server.access.api_keys import ApiKeyError, ApiKeySettings, load_settings
from stigmer_server.events.settings import EventSettings
from stigmer_server.rate_limit import RateLimit
from stigmer_server.secrets.keyring import Keyring, KeyringError, load_keyring
from stigmer_server.workflowexecution.temporal.config import TemporalConfig

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """An environment variable holds a value the server cannot use."""


@dataclass(frozen=True)
class TlsConfig:
    """TLS of the gRPC port, as PEM file paths.

    Attributes:
        cert_file: The server certificate chain (``GRPC_TLS_CERT_FILE``).
        key_file: Its private key (``GRPC_TLS_KEY_FILE``).
        client_ca_file: CA bundle that client certificates must chain to
            (``GRPC_TLS_CLIENT_CA_FILE``); when set, clients without a valid certificate are
            refused during the handshake (mTLS).
    """

    cert_file: str
    key_file: str
    client_ca_file: str | None = None

    @property
    def mutual(self) -> bool:
        """Whether client certificates are required."""
        return self.client_ca_file is not None

    def server_credentials(self) -> grpc.ServerCredentials:
        """Read the PEM files and build the gRPC server credentials.

        Raises:
            ConfigError: A file cannot be read.
        """
        key = _read_pem("GRPC_TLS_KEY_FILE", self.key_file)
        chain = _read_pem("GRPC_TLS_CERT_FILE", self.cert_file)
        roots = (
            _read_pem("GRPC_TLS_CLIENT_CA_FILE", self.client_ca_file)
            if self.client_ca_file
            else None
        )
        return grpc.ssl_server_credentials(
            [(key, chain)], root_certificates=roots, require_client_auth=roots is not None
        )


@dataclass(frozen=True)
class Config:
    """Everything the server reads from its environment.

    Attributes:
        grpc_host: Interface to listen on (``GRPC_HOST``, default all interfaces).
        grpc_port: gRPC port (``GRPC_PORT``, default 7234; 0 picks a free port).
        grpc_max_message_bytes: Max inbound/outbound message size (``GRPC_MAX_MESSAGE_BYTES``);
            at most ``MAX_MESSAGE_BYTES`` (``docs/limits.md``), what Temporal and the clients carry.
        shutdown_grace_seconds: How long SIGTERM waits for in-flight calls
            (``STIGMER_SHUTDOWN_GRACE_SECONDS``).
        redis_url: ``redis://``, ``rediss://`` (TLS), ``redis+sentinel://`` or ``redis+cluster://``
            URL (``REDIS_URL``; ``store/connection.py``).
        redis_key_prefix: Prefix of every key (``STIGMER_REDIS_KEY_PREFIX``); no ``{`` or ``}``.
        redis_max_connections: Pool size (``STIGMER_REDIS_MAX_CONNECTIONS``); every live
            ``subscribe`` holds one connection while it blocks.
        event_stream_maxlen: Approximate length bound of each execution's event stream
            (``STIGMER_EVENT_STREAM_MAXLEN``).
        max_subscriptions: Live ``subscribe`` streams per replica (``STIGMER_MAX_SUBSCRIPTIONS``);
            more answer RESOURCE_EXHAUSTED, so writes always keep Redis connections.
        max_subscriptions_per_key: Live ``subscribe`` streams one API key may hold per replica
            (``STIGMER_MAX_SUBSCRIPTIONS_PER_KEY``, default 0 = only the replica's cap); more
            answer RESOURCE_EXHAUSTED. Unauthenticated callers count as one key.
        subscribe_block_ms: How long one blocking stream read waits
            (``STIGMER_SUBSCRIBE_BLOCK_MS``); bounds how fast subscribers notice shutdown.
        log_level: Python logging level name (``LOG_LEVEL``).
        temporal_disabled: API-only mode, no launcher (``TEMPORAL_DISABLED``).
        api_keys: Accepted bearer keys, each ``<scope>:<key>`` with scope ``admin``,
            ``write``, ``read`` or ``runner`` (an entry without one of these prefixes is an
            ``admin`` key, prefix included); clients send ``authorization: Bearer <key>``.
            ``STIGMER_API_KEYS``: comma-separated entries; ``STIGMER_API_KEYS_FILE``: one entry
            per line, ``#`` comments, re-read when it changes (checked at most every
            ``STIGMER_API_KEYS_RELOAD_SECONDS``, default 5; a bad new file keeps the keys in
            force and logs an error). Neither set: no authentication. What each scope may
            call: ``access/rpc_scopes.py`` and ``docs/adr/0026-scoped-api-keys.md``.
        reconcile_interval_seconds: Seconds between reconciler passes
            (``STIGMER_RECONCILE_INTERVAL_SECONDS``, default 60; 0 turns it off): stranded
            PENDING executions are started, those whose Temporal workflow is gone are FAILED
            (``workflowexecution/reconciler.py``, ADR 0032).
        reconcile_min_age_seconds: Executions younger than this are left to their ``create``
            (``STIGMER_RECONCILE_MIN_AGE_SECONDS``, default 30).
        request_id_ttl_seconds: How long a create's ``x-request-id`` keeps naming its execution
            (``STIGMER_REQUEST_ID_TTL_SECONDS``, default 86400).
        subflow_max_depth: How deep ``run: workflow`` subflows may nest
            (``STIGMER_SUBFLOW_MAX_DEPTH``, default 8): an execution started from the top is at
            depth 0, its subflow at 1; a subflow beyond this depth is refused and the
            ``run: workflow`` task fails with the chain of documents (ADR 0036).
        rate_limit: Calls per second and burst per API key (``STIGMER_RATE_LIMIT_PER_SECOND``,
            default 0 = off; ``STIGMER_RATE_LIMIT_BURST``, default twice the rate), shared by
            every replica through Redis; beyond it RESOURCE_EXHAUSTED with ``retry-after``
            trailing metadata (``rate_limit.py``, ADR 0032). ``runner`` keys are not limited.
        temporal: Temporal connection, queues and timeouts (see
            ``workflowexecution/temporal/README.md``).
        tls: TLS of the gRPC port (``GRPC_TLS_CERT_FILE``, ``GRPC_TLS_KEY_FILE``, and
            ``GRPC_TLS_CLIENT_CA_FILE`` to require client certificates); ``None``: plaintext.
        secrets_keyring: AES-256-GCM keys of secret values at rest (``STIGMER_SECRETS_KEYS``:
            comma-separated ``<key id>:<base64 of 32 bytes>``, plus one per line of
            ``STIGMER_SECRETS_KEYS_FILE``; the first key encrypts, all decrypt); ``None``:
            requests carrying secret values are refused (FAILED_PRECONDITION).
        events: The CloudEvents ingress and its delivery to ``listen`` tasks
            (``STIGMER_EVENTS_*``, :class:`~stigmer_server.events.settings.EventSettings`).
    """

    grpc_host: str = "[::]"
    grpc_port: int = 7234
    grpc_max_message_bytes: int = MAX_MESSAGE_BYTES
    shutdown_grace_seconds: float = 10.0
    redis_url: str = "redis://localhost:6379/0"
    redis_key_prefix: str = "stigmer"
    redis_max_connections: int = 512
    event_stream_maxlen: int = 1000
    subscribe_block_ms: int = 2000
    max_subscriptions: int = 384
    max_subscriptions_per_key: int = 0
    log_level: str = "INFO"
    temporal_disabled: bool = False
    reconcile_interval_seconds: float = 60.0
    reconcile_min_age_seconds: float = 30.0
    request_id_ttl_seconds: int = 86_400
    subflow_max_depth: int = 8
    rate_limit: RateLimit = field(default_factory=RateLimit)
    api_keys: ApiKeySettings = field(default_factory=ApiKeySettings, repr=False)
    temporal: TemporalConfig = field(default_factory=TemporalConfig)
    tls: TlsConfig | None = None
    secrets_keyring: Keyring | None = field(default=None, repr=False)
    events: EventSettings = field(default_factory=EventSettings)

    def __post_init__(self) -> None:
        if "{" in self.redis_key_prefix or "}" in self.redis_key_prefix:
            raise ConfigError("STIGMER_REDIS_KEY_PREFIX must not contain '{' or '}'")
        if not 0 <= self.grpc_port <= 65535:
            raise ConfigError(f"GRPC_PORT out of range: {self.grpc_port}")
        if not 0 < self.grpc_max_message_bytes <= MAX_MESSAGE_BYTES:
            raise ConfigError(
                f"GRPC_MAX_MESSAGE_BYTES must be positive and at most {MAX_MESSAGE_BYTES} "
                "(the message limit of Temporal and of Stigmer's clients, docs/limits.md)"
            )
        if self.reconcile_interval_seconds < 0 or self.reconcile_min_age_seconds < 0:
            raise ConfigError(
                "STIGMER_RECONCILE_INTERVAL_SECONDS and STIGMER_RECONCILE_MIN_AGE_SECONDS"
                " must not be negative"
            )
        if self.rate_limit.per_second < 0 or self.rate_limit.burst < 0:
            raise ConfigError(
                "STIGMER_RATE_LIMIT_PER_SECOND and STIGMER_RATE_LIMIT_BURST must not be negative"
            )
        if self.max_subscriptions_per_key < 0:
            raise ConfigError("STIGMER_MAX_SUBSCRIPTIONS_PER_KEY must not be negative")
        if self.request_id_ttl_seconds <= 0:
            raise ConfigError("STIGMER_REQUEST_ID_TTL_SECONDS must be positive")
        if self.subflow_max_depth < 0:
            raise ConfigError("STIGMER_SUBFLOW_MAX_DEPTH must not be negative")
        if not 0 < self.max_subscriptions < self.redis_max_connections:
            raise ConfigError(
                "STIGMER_MAX_SUBSCRIPTIONS must be positive and below STIGMER_REDIS_MAX_CONNECTIONS "
                "(each live subscribe holds a Redis connection; writes need the rest)"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from environment variables.

        Args:
            env: Variables to read; ``os.environ`` when omitted.

        Returns:
            The configuration, defaults filled in.

        Raises:
            ConfigError: A variable is malformed.
        """
        src = os.environ if env is None else env
        d = cls()
        return cls(
            grpc_host=src.get("GRPC_HOST", d.grpc_host),
            grpc_port=_int(src, "GRPC_PORT", d.grpc_port),
            grpc_max_message_bytes=_int(src, "GRPC_MAX_MESSAGE_BYTES", d.grpc_max_message_bytes),
            shutdown_grace_seconds=_float(
                src, "STIGMER_SHUTDOWN_GRACE_SECONDS", d.shutdown_grace_seconds
            ),
            redis_url=src.get("REDIS_URL", d.redis_url),
            redis_key_prefix=src.get("STIGMER_REDIS_KEY_PREFIX", d.redis_key_prefix),
            redis_max_connections=_int(
                src, "STIGMER_REDIS_MAX_CONNECTIONS", d.redis_max_connections
            ),
            event_stream_maxlen=_int(src, "STIGMER_EVENT_STREAM_MAXLEN", d.event_stream_maxlen),
            subscribe_block_ms=_int(src, "STIGMER_SUBSCRIBE_BLOCK_MS", d.subscribe_block_ms),
            max_subscriptions=_int(src, "STIGMER_MAX_SUBSCRIPTIONS", d.max_subscriptions),
            max_subscriptions_per_key=_int(
                src, "STIGMER_MAX_SUBSCRIPTIONS_PER_KEY", d.max_subscriptions_per_key
            ),
            log_level=_log_level(src, d.log_level),
            temporal_disabled=_bool(src, "TEMPORAL_DISABLED", d.temporal_disabled),
            reconcile_interval_seconds=_float(
                src, "STIGMER_RECONCILE_INTERVAL_SECONDS", d.reconcile_interval_seconds
            ),
            reconcile_min_age_seconds=_float(
                src, "STIGMER_RECONCILE_MIN_AGE_SECONDS", d.reconcile_min_age_seconds
            ),
            request_id_ttl_seconds=_int(
                src, "STIGMER_REQUEST_ID_TTL_SECONDS", d.request_id_ttl_seconds
            ),
            subflow_max_depth=_int(src, "STIGMER_SUBFLOW_MAX_DEPTH", d.subflow_max_depth),
            rate_limit=RateLimit(
                _float(src, "STIGMER_RATE_LIMIT_PER_SECOND", d.rate_limit.per_second),
                _int(src, "STIGMER_RATE_LIMIT_BURST", d.rate_limit.burst),
            ),
            api_keys=_api_keys(src),
            temporal=_temporal(src),
            tls=_tls(src),
            secrets_keyring=_keyring(src),
            events=_events(src),
        )


def _int(src: Mapping[str, str], name: str, default: int) -> int:
    raw = src.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _float(src: Mapping[str, str], name: str, default: float) -> float:
    raw = src.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _bool(src: Mapping[str, str], name: str, default: bool) -> bool:
    raw = src.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be a boolean, got {raw!r}")


def _log_level(src: Mapping[str, str], default: str) -> str:
    try:
        return log_level_from_env(src, default)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _temporal(src: Mapping[str, str]) -> TemporalConfig:
    try:
        return TemporalConfig.from_env(src)
    except ValueError as err:
        raise ConfigError(str(err)) from err


def _events(src: Mapping[str, str]) -> EventSettings:
    try:
        return EventSettings.from_env(src)
    except ValueError as err:
        raise ConfigError(str(err)) from err


def _api_keys(src: Mapping[str, str]) -> ApiKeySettings:
    try:
        return load_settings(
            src.get("STIGMER_API_KEYS", ""),
            src.get("STIGMER_API_KEYS_FILE", "").strip(),
            _float(src, "STIGMER_API_KEYS_RELOAD_SECONDS", ApiKeySettings.reload_seconds),
        )
    except OSError as err:
        raise ConfigError(f"STIGMER_API_KEYS_FILE: {err}") from err
    except ApiKeyError as err:
        raise ConfigError(str(err)) from err


def _keyring(src: Mapping[str, str]) -> Keyring | None:
    try:
        return load_keyring(
            src.get("STIGMER_SECRETS_KEYS", ""), src.get("STIGMER_SECRETS_KEYS_FILE", "").strip()
        )
    except KeyringError as err:
        raise ConfigError(str(err)) from err


def _read_pem(name: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise ConfigError(f"{name}: {err}") from err


def _tls(src: Mapping[str, str]) -> TlsConfig | None:
    cert = src.get("GRPC_TLS_CERT_FILE", "").strip()
    key = src.get("GRPC_TLS_KEY_FILE", "").strip()
    client_ca = src.get("GRPC_TLS_CLIENT_CA_FILE", "").strip() or None
    if not cert and not key:
        if client_ca:
            raise ConfigError(
                "GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE"
            )
        return None
    if not cert or not key:
        raise ConfigError("GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE must be set together")
    for name, path in (
        ("GRPC_TLS_CERT_FILE", cert),
        ("GRPC_TLS_KEY_FILE", key),
        ("GRPC_TLS_CLIENT_CA_FILE", client_ca),
    ):
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"{name}: no such file {path!r}")
    return TlsConfig(cert_file=cert, key_file=key, client_ca_file=client_ca)
