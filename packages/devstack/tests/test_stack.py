"""The embedded stack is open on loopback whatever the user's shell holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from stigmer_devstack import Stack, StackConfig
from stigmer_devstack.temporal_sqlite import file_store_args

_DEPLOYED = {
    "STIGMER_API_KEYS": "admin:k1",
    "STIGMER_API_KEYS_FILE": "/keys",
    "STIGMER_API_KEY": "k1",
    "STIGMER_API_KEY_FILE": "/key",
    "GRPC_TLS_CERT_FILE": "/tls.crt",
    "GRPC_TLS_KEY_FILE": "/tls.key",
    "GRPC_TLS_CLIENT_CA_FILE": "/ca.crt",
    "STIGMER_SERVICE_CA_FILE": "/ca.crt",
    "STIGMER_SERVICE_CLIENT_CERT_FILE": "/c.crt",
    "STIGMER_SERVICE_CLIENT_KEY_FILE": "/c.key",
    "STIGMER_SERVICE_TLS_SERVER_NAME": "stigmer.example",
    "TEMPORAL_TLS": "true",
}


def test_keys_and_tls_of_a_deployed_stack_are_not_inherited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _DEPLOYED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("STIGMER_UNRELATED", "kept")
    env = Stack(StackConfig.ephemeral(tmp_path))._service_env(redis_port=6379)
    assert not set(_DEPLOYED) & set(env)
    assert env["STIGMER_UNRELATED"] == "kept"
    assert env["GRPC_HOST"] == "127.0.0.1"
    assert env["STIGMER_PAYLOAD_STORAGE"] == "redis"


def test_the_temporal_store_decides_whether_the_dev_server_gets_a_file(tmp_path: Path) -> None:
    binary = Path("temporal")
    file_args = Stack(StackConfig.ephemeral(tmp_path))._temporal_args(binary, tmp_path)
    at = file_args.index("--db-filename")
    assert file_args[at + 1] == str(tmp_path / "temporal.db")
    pragmas = [file_args[i + 1] for i, arg in enumerate(file_args) if arg == "--sqlite-pragma"]
    assert pragmas == ["journal_mode=wal", "synchronous=full"]
    assert file_store_args(tmp_path / "temporal.db") == file_args[at : at + 6]
    memory = StackConfig(data_dir=tmp_path, temporal_store="memory")
    assert "--db-filename" not in Stack(memory)._temporal_args(binary, tmp_path)
