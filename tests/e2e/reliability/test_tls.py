"""TLS and mTLS on stigmer-server's gRPC port, with certificates made at test time (openssl).

- mTLS + API key: the runner (client certificate, CA file, key) runs an execution end to end;
  a client without a certificate, or a plaintext client, is refused.
- TLS only: the runner's client verifies the server with ``STIGMER_SERVICE_CA_FILE``; without
  it (system roots) the handshake fails.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_server.config import Config, ConfigError
from workflow_runner.client import ClientConfig, StigmerClient, StigmerRpcError

from .conftest import Phase, Services, assert_each_task_once, doc

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI"),
]

API_KEY = "rel-tls-key"


@dataclass(frozen=True)
class Pki:
    """PEM files of a throwaway CA, a server certificate for 127.0.0.1 and a client one."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def channel_credentials(self, *, client_cert: bool) -> grpc.ChannelCredentials:
        """Credentials trusting the CA, presenting the client certificate if asked."""
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.read_bytes(),
            private_key=self.client_key.read_bytes() if client_cert else None,
            certificate_chain=self.client_cert.read_bytes() if client_cert else None,
        )


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def _leaf(d: Path, name: str, extensions: str) -> None:
    (d / f"{name}.ext").write_text(extensions)
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
        cwd=d,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "1", "-out", f"{name}.pem", "-extfile", f"{name}.ext",
        cwd=d,
    )  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate (localhost, 127.0.0.1) and a client certificate."""
    d = tmp_path_factory.mktemp("pki")
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=stigmer test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )  # fmt: skip
    _leaf(
        d,
        "server",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    _leaf(d, "client", "extendedKeyUsage=clientAuth\n")
    return Pki(
        ca=d / "ca.pem",
        server_cert=d / "server.pem",
        server_key=d / "server.key",
        client_cert=d / "client.pem",
        client_key=d / "client.key",
    )


async def test_mtls_and_api_key_end_to_end(
    make_services: Callable[..., Services],
    redis_url: str,
    temporal_address: str,
    pki: Pki,
) -> None:
    """The runner authenticates with its client certificate and key; others are refused."""
    services = make_services(
        redis_url,
        temporal_address,
        {
            "GRPC_TLS_CERT_FILE": str(pki.server_cert),
            "GRPC_TLS_KEY_FILE": str(pki.server_key),
            "GRPC_TLS_CLIENT_CA_FILE": str(pki.ca),
            "STIGMER_API_KEYS": API_KEY,
            "STIGMER_API_KEY": API_KEY,
            "STIGMER_SERVICE_CA_FILE": str(pki.ca),
            "STIGMER_SERVICE_CLIENT_CERT_FILE": str(pki.client_cert),
            "STIGMER_SERVICE_CLIENT_KEY_FILE": str(pki.client_key),
        },
        tls_channel=pki.channel_credentials(client_cert=True),
        metadata=(("authorization", f"Bearer {API_KEY}"),),
    )
    services.start_server()
    services.start_runner()
    workflow_id = await services.apply(doc("mtls", [{"a": {"set": {"ok": True}}}]))
    execution_id = await services.create(workflow_id)
    final = await services.wait_terminal(execution_id, within=60)
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert_each_task_once(final, ["/do/0/a"])

    request = wex.WorkflowExecutionId(value=execution_id)
    auth = (("authorization", f"Bearer {API_KEY}"),)
    no_cert = pki.channel_credentials(client_cert=False)
    async with grpc.aio.secure_channel(services.endpoint, no_cert) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await wex_qry.WorkflowExecutionQueryControllerStub(channel).get(
                request, metadata=auth, timeout=5
            )
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    async with grpc.aio.insecure_channel(services.endpoint) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as plaintext:
            await wex_qry.WorkflowExecutionQueryControllerStub(channel).get(
                request, metadata=auth, timeout=5
            )
        assert plaintext.value.code() == grpc.StatusCode.UNAVAILABLE
    async with grpc.aio.secure_channel(
        services.endpoint, pki.channel_credentials(client_cert=True)
    ) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as no_key:
            await wex_qry.WorkflowExecutionQueryControllerStub(channel).get(request, timeout=5)
        assert no_key.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_tls_server_verified_with_a_ca_file(
    make_services: Callable[..., Services],
    redis_url: str,
    temporal_address: str,
    pki: Pki,
) -> None:
    """Server TLS only (no client certificates): the runner's client trusts it via a CA file."""
    services = make_services(
        redis_url,
        temporal_address,
        {
            "GRPC_TLS_CERT_FILE": str(pki.server_cert),
            "GRPC_TLS_KEY_FILE": str(pki.server_key),
            "TEMPORAL_DISABLED": "true",
        },
        tls_channel=pki.channel_credentials(client_cert=False),
    )
    services.start_server()
    config = ClientConfig(endpoint=services.endpoint, ca_file=str(pki.ca), max_attempts=1)
    assert config.use_tls
    async with StigmerClient(config) as client:
        with pytest.raises(StigmerRpcError) as missing:
            await client.get_execution("wex-does-not-exist")
        assert missing.value.code == grpc.StatusCode.NOT_FOUND
    untrusted = ClientConfig(endpoint=services.endpoint, use_tls=True, max_attempts=1)
    async with StigmerClient(untrusted) as client:
        with pytest.raises(StigmerRpcError) as refused:
            await client.get_execution("wex-does-not-exist")
        assert refused.value.code == grpc.StatusCode.UNAVAILABLE


def test_tls_settings_are_validated(pki: Pki, tmp_path: Path) -> None:
    """Half-configured TLS is refused at start, on both sides."""
    assert Config.from_env({}).tls is None
    tls = Config.from_env(
        {
            "GRPC_TLS_CERT_FILE": str(pki.server_cert),
            "GRPC_TLS_KEY_FILE": str(pki.server_key),
            "GRPC_TLS_CLIENT_CA_FILE": str(pki.ca),
        }
    ).tls
    assert tls is not None and tls.mutual
    with pytest.raises(ConfigError, match="set together"):
        Config.from_env({"GRPC_TLS_CERT_FILE": str(pki.server_cert)})
    with pytest.raises(ConfigError, match="needs GRPC_TLS_CERT_FILE"):
        Config.from_env({"GRPC_TLS_CLIENT_CA_FILE": str(pki.ca)})
    with pytest.raises(ConfigError, match="no such file"):
        Config.from_env(
            {"GRPC_TLS_CERT_FILE": str(tmp_path / "nope"), "GRPC_TLS_KEY_FILE": str(pki.ca)}
        )
    with pytest.raises(ValueError, match="set together"):
        ClientConfig.from_env({"STIGMER_SERVICE_CLIENT_CERT_FILE": str(pki.client_cert)})
    mtls = ClientConfig.from_env(
        {
            "STIGMER_SERVICE_CA_FILE": str(pki.ca),
            "STIGMER_SERVICE_CLIENT_CERT_FILE": str(pki.client_cert),
            "STIGMER_SERVICE_CLIENT_KEY_FILE": str(pki.client_key),
        }
    )
    assert mtls.use_tls and "mtls=True" in repr(mtls)
