"""Temporal connection settings: what each variable turns into for ``Client.connect``."""

from __future__ import annotations

from pathlib import Path

import pytest
from stigmer_protos.temporal_client import TemporalConnectionConfig, tls_settings
from temporalio.service import TLSConfig


def test_plaintext_by_default() -> None:
    config = TemporalConnectionConfig.from_env({})
    assert config.address == "localhost:7233" and config.namespace == "default"
    assert tls_settings(config) is False


def test_api_key_implies_tls_with_system_roots() -> None:
    config = TemporalConnectionConfig.from_env({"TEMPORAL_API_KEY": "k"})
    assert config.api_key == "k"
    assert tls_settings(config) is True


def test_private_ca_server_name_and_client_pair_are_read(tmp_path: Path) -> None:
    files = {name: tmp_path / name for name in ("ca.crt", "tls.crt", "tls.key")}
    for name, path in files.items():
        path.write_bytes(f"PEM {name}".encode())
    config = TemporalConnectionConfig.from_env(
        {
            "TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(files["ca.crt"]),
            "TEMPORAL_TLS_SERVER_NAME": "temporal-frontend.temporal.svc",
            "TEMPORAL_TLS_CLIENT_CERT_PATH": str(files["tls.crt"]),
            "TEMPORAL_TLS_CLIENT_KEY_PATH": str(files["tls.key"]),
        }
    )
    assert tls_settings(config) == TLSConfig(
        server_root_ca_cert=b"PEM ca.crt",
        domain="temporal-frontend.temporal.svc",
        client_cert=b"PEM tls.crt",
        client_private_key=b"PEM tls.key",
    )


def test_server_ca_alone_turns_tls_on(tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_bytes(b"PEM")
    settings = tls_settings(
        TemporalConnectionConfig.from_env({"TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(ca)})
    )
    assert isinstance(settings, TLSConfig) and settings.server_root_ca_cert == b"PEM"
    assert settings.client_cert is None


def test_client_cert_without_key_is_refused() -> None:
    with pytest.raises(ValueError, match="TEMPORAL_TLS_CLIENT_KEY_PATH"):
        TemporalConnectionConfig.from_env({"TEMPORAL_TLS_CLIENT_CERT_PATH": "/x.crt"})
