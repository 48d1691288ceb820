"""deploy/docker/grpc_health_check.py over TLS and mTLS: what the chart's exec probes run.

The kubelet's native gRPC probe speaks plaintext only, so with grpcTls on the chart probes the
server with this script, verifying it with the CA under the Service name and, under mTLS,
presenting the server's own certificate. A real gRPC server with the standard health service
answers on loopback with certificates made here.
"""

from __future__ import annotations

import datetime
import importlib.util
import sys
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

SERVER_NAME = "stigmer-server"


@dataclass(frozen=True)
class Pair:
    """A PEM certificate and its key, written to files."""

    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(
    directory: Path, name: str, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None
) -> tuple[Pair, x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    issuer_cert, issuer_key = ca if ca else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer_cert.subject if issuer_cert else _name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if ca is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    else:
        # What the chart's cert-manager Certificate asks for: the Service name, both usages.
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), False
        ).add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            False,
        )
    cert = builder.sign(issuer_key, hashes.SHA256())
    pair = Pair(directory / f"{name}.crt", directory / f"{name}.key")
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pair.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pair, cert, key


@dataclass(frozen=True)
class Pki:
    """A CA, a server pair issued by it, and a CA that issued nothing the server trusts."""

    ca: Path
    server: Pair
    stranger_ca: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Certificates as cert-manager would write them (ca.crt, tls.crt, tls.key)."""
    d = tmp_path_factory.mktemp("pki")
    ca_pair, ca_cert, ca_key = _issue(d, "ca", None)
    server, _, _ = _issue(d, "server", (ca_cert, ca_key))
    stranger, _, _ = _issue(d, "stranger", None)
    return Pki(ca=ca_pair.cert, server=server, stranger_ca=stranger.cert)


@pytest.fixture(scope="module")
def script(dp: Any) -> ModuleType:
    """The health check script, loaded from its file like the image runs it."""
    spec = importlib.util.spec_from_file_location(
        "grpc_health_check", dp.DOCKER / "grpc_health_check.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass resolves annotations through it
    spec.loader.exec_module(module)
    return module


def _serve(pki: Pki, *, mutual: bool) -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    credentials = grpc.ssl_server_credentials(
        [(pki.server.key.read_bytes(), pki.server.cert.read_bytes())],
        root_certificates=pki.ca.read_bytes() if mutual else None,
        require_client_auth=mutual,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(None)


@pytest.fixture
def tls_server(pki: Pki) -> Iterator[str]:
    """A TLS health service (no client certificates)."""
    yield from _serve(pki, mutual=False)


@pytest.fixture
def mtls_server(pki: Pki) -> Iterator[str]:
    """A health service that requires client certificates from the CA."""
    yield from _serve(pki, mutual=True)


def test_tls_probe_verifies_the_server_by_its_service_name(
    script: ModuleType, pki: Pki, tls_server: str
) -> None:
    assert script.main([tls_server, "--ca", str(pki.ca), "--server-name", SERVER_NAME]) == 0
    # The certificate is not for the address dialled, nor from a CA it trusts: refused.
    assert script.main([tls_server, "--ca", str(pki.ca)]) == 1
    wrong_ca = [tls_server, "--ca", str(pki.stranger_ca), "--server-name", SERVER_NAME]
    assert script.main(wrong_ca) == 1
    assert script.main([tls_server]) == 1, "plaintext must not pass against a TLS port"


def test_mtls_probe_presents_the_servers_own_pair(
    script: ModuleType, pki: Pki, mtls_server: str
) -> None:
    base = [mtls_server, "--ca", str(pki.ca), "--server-name", SERVER_NAME]
    assert script.main([*base, "--cert", str(pki.server.cert), "--key", str(pki.server.key)]) == 0
    assert script.main(base) == 1, "no client certificate must be refused under mTLS"


def test_unreadable_ca_is_a_failed_check(script: ModuleType, tmp_path: Path) -> None:
    assert script.main(["127.0.0.1:1", "--ca", str(tmp_path / "missing.crt")]) == 1


def test_client_pair_needs_both_halves(script: ModuleType, pki: Pki) -> None:
    with pytest.raises(SystemExit):
        script.main(["127.0.0.1:1", "--ca", str(pki.ca), "--cert", str(pki.server.cert)])
