"""The event ingress's settings from the environment."""

from __future__ import annotations

import pytest
from stigmer_server.config import Config, ConfigError
from stigmer_server.events.settings import EventSettings


def test_defaults_serve_no_endpoint() -> None:
    settings = Config.from_env({}).events
    assert settings.http_port is None
    assert (settings.retention_seconds, settings.retained_per_type) == (3600, 1000)
    assert settings.consumer  # the host name


def test_settings_are_read() -> None:
    settings = EventSettings.from_env(
        {
            "STIGMER_EVENTS_HTTP_PORT": "0",
            "STIGMER_EVENTS_HTTP_HOST": "127.0.0.1",
            "STIGMER_EVENTS_RETENTION_SECONDS": "60",
            "STIGMER_EVENTS_RETAINED_PER_TYPE": "5",
            "STIGMER_EVENTS_CONSUMER": "replica-1",
        }
    )
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 0)
    assert (settings.retention_seconds, settings.retained_per_type) == (60, 5)
    assert settings.consumer == "replica-1"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STIGMER_EVENTS_HTTP_PORT", "70000"),
        ("STIGMER_EVENTS_HTTP_PORT", "http"),
        ("STIGMER_EVENTS_RETENTION_SECONDS", "0"),
        ("STIGMER_EVENTS_RETAINED_PER_TYPE", "-1"),
    ],
)
def test_bad_values_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})
