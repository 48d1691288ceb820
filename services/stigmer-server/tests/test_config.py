from __future__ import annotations

import pytest
from stigmer_protos.limits import MAX_MESSAGE_BYTES
from stigmer_server.config import Config, ConfigError


def test_defaults_and_env() -> None:
    assert Config.from_env({}).grpc_port == 7234
    assert Config.from_env({}).grpc_max_message_bytes == MAX_MESSAGE_BYTES
    c = Config.from_env(
        {
            "GRPC_PORT": "9000",
            "REDIS_URL": "rediss://:pw@r:6380/1",
            "STIGMER_REDIS_KEY_PREFIX": "p1",
            "GRPC_MAX_MESSAGE_BYTES": "1024",
            "LOG_LEVEL": "debug",
            "TEMPORAL_DISABLED": "true",
        }
    )
    assert (c.grpc_port, c.redis_url, c.redis_key_prefix, c.grpc_max_message_bytes) == (
        9000,
        "rediss://:pw@r:6380/1",
        "p1",
        1024,
    )
    assert c.log_level == "DEBUG" and c.temporal_disabled


@pytest.mark.parametrize(
    "env",
    [
        {"GRPC_PORT": "x"},
        {"GRPC_PORT": "70000"},
        {"TEMPORAL_DISABLED": "maybe"},
        {"STIGMER_REDIS_KEY_PREFIX": "a{b}"},
        {"GRPC_MAX_MESSAGE_BYTES": "0"},
        {"GRPC_MAX_MESSAGE_BYTES": str(MAX_MESSAGE_BYTES + 1)},
        {"LOG_LEVEL": "loud"},
    ],
)
def test_rejects_bad_values(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Config.from_env(env)


def test_reconciler_and_request_id_settings() -> None:
    d = Config.from_env({})
    assert (d.reconcile_interval_seconds, d.reconcile_min_age_seconds) == (60.0, 30.0)
    assert d.request_id_ttl_seconds == 86_400
    c = Config.from_env(
        {
            "STIGMER_RECONCILE_INTERVAL_SECONDS": "0",
            "STIGMER_RECONCILE_MIN_AGE_SECONDS": "5",
            "STIGMER_REQUEST_ID_TTL_SECONDS": "60",
        }
    )
    assert (c.reconcile_interval_seconds, c.reconcile_min_age_seconds) == (0.0, 5.0)
    assert c.request_id_ttl_seconds == 60


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STIGMER_RECONCILE_INTERVAL_SECONDS", "-1"),
        ("STIGMER_RECONCILE_MIN_AGE_SECONDS", "-1"),
        ("STIGMER_REQUEST_ID_TTL_SECONDS", "0"),
    ],
)
def test_rejects_bad_reconciler_settings(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})


def test_subflow_depth_setting() -> None:
    assert Config.from_env({}).subflow_max_depth == 8
    assert Config.from_env({"STIGMER_SUBFLOW_MAX_DEPTH": "0"}).subflow_max_depth == 0
    with pytest.raises(ConfigError, match="STIGMER_SUBFLOW_MAX_DEPTH"):
        Config.from_env({"STIGMER_SUBFLOW_MAX_DEPTH": "-1"})


def test_rate_limit_settings() -> None:
    assert not Config.from_env({}).rate_limit.enabled
    c = Config.from_env({"STIGMER_RATE_LIMIT_PER_SECOND": "2.5", "STIGMER_RATE_LIMIT_BURST": "0"})
    assert c.rate_limit.enabled and c.rate_limit.bucket_size == 5
    with pytest.raises(ConfigError, match="STIGMER_RATE_LIMIT_PER_SECOND"):
        Config.from_env({"STIGMER_RATE_LIMIT_PER_SECOND": "-1"})


def test_subscriptions_per_key_setting() -> None:
    assert Config.from_env({}).max_subscriptions_per_key == 0
    assert (
        Config.from_env({"STIGMER_MAX_SUBSCRIPTIONS_PER_KEY": "4"}).max_subscriptions_per_key == 4
    )
    with pytest.raises(ConfigError, match="STIGMER_MAX_SUBSCRIPTIONS_PER_KEY"):
        Config.from_env({"STIGMER_MAX_SUBSCRIPTIONS_PER_KEY": "-1"})
