"""The operator's settings of the event ingress, read once from the environment."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class EventSettings:
    """How the server accepts, keeps and delivers CloudEvents.

    Attributes:
        http_host: Interface of the CloudEvents HTTP endpoint (``STIGMER_EVENTS_HTTP_HOST``).
        http_port: Its port (``STIGMER_EVENTS_HTTP_PORT``); ``None`` (unset or empty) serves no
            endpoint, 0 picks a free port.
        retention_seconds: How long an accepted event is kept for a listener that has not
            started yet, and how long its (source, id) is remembered to drop a repeat
            (``STIGMER_EVENTS_RETENTION_SECONDS``).
        retained_per_type: Events kept per event type for listeners not started yet; the oldest
            go first (``STIGMER_EVENTS_RETAINED_PER_TYPE``).
        stream_maxlen: Approximate length bound of the stream of accepted, not yet delivered
            events (``STIGMER_EVENTS_STREAM_MAXLEN``).
        consumer: This replica's name in the delivery consumer group
            (``STIGMER_EVENTS_CONSUMER``, default the host name): a restarted replica resumes
            the deliveries it had claimed.
        reclaim_idle_seconds: Deliveries another replica claimed and left this long are taken
            over (``STIGMER_EVENTS_RECLAIM_IDLE_SECONDS``).
    """

    http_host: str = "0.0.0.0"
    http_port: int | None = None
    retention_seconds: int = 3600
    retained_per_type: int = 1000
    stream_maxlen: int = 100_000
    consumer: str = ""
    reclaim_idle_seconds: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EventSettings:
        """Read the settings from ``env``.

        Raises:
            ValueError: A variable holds an unusable value, named in the message.
        """
        d = cls()

        def number(name: str, fallback: float, least: float) -> float:
            raw = env.get(name) or ""
            if not raw:
                return fallback
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name}: expected a number, got {raw!r}") from None
            if value < least:
                raise ValueError(f"{name}: must be at least {least:g}, got {raw!r}")
            return value

        port_text = env.get("STIGMER_EVENTS_HTTP_PORT") or ""
        port = None if not port_text else int(number("STIGMER_EVENTS_HTTP_PORT", 0, 0))
        if port is not None and port > 65535:
            raise ValueError(f"STIGMER_EVENTS_HTTP_PORT out of range: {port}")
        return cls(
            http_host=env.get("STIGMER_EVENTS_HTTP_HOST") or d.http_host,
            http_port=port,
            retention_seconds=int(
                number("STIGMER_EVENTS_RETENTION_SECONDS", d.retention_seconds, 1)
            ),
            retained_per_type=int(
                number("STIGMER_EVENTS_RETAINED_PER_TYPE", d.retained_per_type, 0)
            ),
            stream_maxlen=int(number("STIGMER_EVENTS_STREAM_MAXLEN", d.stream_maxlen, 1)),
            consumer=env.get("STIGMER_EVENTS_CONSUMER") or socket.gethostname(),
            reclaim_idle_seconds=number(
                "STIGMER_EVENTS_RECLAIM_IDLE_SECONDS", d.reclaim_idle_seconds, 1
            ),
        )
