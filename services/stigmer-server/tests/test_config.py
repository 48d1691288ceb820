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
    ],
)
def test_rejects_bad_values(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Config.from_env(env)
