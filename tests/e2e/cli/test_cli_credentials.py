"""The CLI against a stack with API keys and TLS (docs/adr/0025-cli-credentials-and-contexts.md).

stigmer-server serves TLS with a certificate of a throwaway CA and accepts one API key; the
runner reaches it with the same key and the CA. Every CLI command works with the key and CA
from flags, from the environment and from a config file context; without the key each one
fails with one UNAUTHENTICATED line and exit status 2, and the key never shows in any output.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from stigmer_cli.errors import CLOSED_HINT
from stigmer_testing.services import stop_process, wait_grpc_serving
from stigmer_testing.stack import run_services
from stigmer_testing.stack import service_env as stack_env

from .conftest import EXAMPLES, Cli, Result

pytestmark = pytest.mark.e2e

API_KEY = f"cli-e2e-{uuid.uuid4().hex}"
# The environment the CLI would otherwise inherit: nothing chosen, no key, no config file.
_CLEAN = {
    "STIGMER_API_KEY": "",
    "STIGMER_API_KEY_FILE": "",
    "STIGMER_CONTEXT": "",
    "STIGMER_TLS": "",
    "STIGMER_TLS_CA_FILE": "",
    "STIGMER_TLS_CERT_FILE": "",
    "STIGMER_TLS_KEY_FILE": "",
    "STIGMER_TLS_SERVER_NAME": "",
}
_ONE_LINE_UNAUTHENTICATED = re.compile(
    r"stigmer: error: the server refused the call without a valid API key: pass --api-key-file"
)


@dataclass(frozen=True)
class Pki:
    """PEM files: a throwaway CA, a server certificate for localhost and 127.0.0.1, a client one."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _issue(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    subject: str,
    *,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, signing_key = (ca[0].subject, ca[1]) if ca else (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256()), key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate (localhost, 127.0.0.1) and a client certificate."""
    d = tmp_path_factory.mktemp("pki")
    ca = _issue(
        None,
        "stigmer cli test CA",
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
    )
    server = _issue(
        ca,
        "localhost",
        extensions=[
            (
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                False,
            ),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        ],
    )
    client = _issue(
        ca,
        "stigmer cli",
        extensions=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)],
    )
    pki = Pki(
        ca=d / "ca.pem",
        server_cert=d / "server.pem",
        server_key=d / "server.key",
        client_cert=d / "client.pem",
        client_key=d / "client.key",
    )
    pki.ca.write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
    pki.server_cert.write_bytes(server[0].public_bytes(serialization.Encoding.PEM))
    _write_key(server[1], pki.server_key)
    pki.client_cert.write_bytes(client[0].public_bytes(serialization.Encoding.PEM))
    _write_key(client[1], pki.client_key)
    return pki


@pytest.fixture(scope="module")
def secured(pki: Pki, redis_url: str, temporal_address: str) -> Iterator[str]:
    """Both services with an API key and server TLS; yields the server's endpoint."""
    env = {
        **stack_env(redis_url, temporal_address, "cli-auth"),
        "STIGMER_API_KEYS": API_KEY,
        "GRPC_TLS_CERT_FILE": str(pki.server_cert),
        "GRPC_TLS_KEY_FILE": str(pki.server_key),
        "STIGMER_API_KEY": API_KEY,
        "STIGMER_SERVICE_CA_FILE": str(pki.ca),
    }
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.ca.read_bytes())
    with run_services(env, credentials=credentials) as services:
        yield services.endpoint


@dataclass(frozen=True)
class Source:
    """Where the CLI gets the endpoint, key and CA from: extra arguments and environment."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]


@pytest.fixture(scope="module")
def sources(secured: str, pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Source]:
    """The three ways to pass the key (and the endpoint and CA with it)."""
    d = tmp_path_factory.mktemp("cli-config")
    key_file = d / "api.key"
    key_file.write_text(API_KEY + "\n")
    no_config = str(d / "absent.yaml")
    flag = Source(
        "flag",
        ("--endpoint", secured, "--api-key-file", str(key_file), "--ca", str(pki.ca)),
        {**_CLEAN, "STIGMER_CONFIG": no_config},
    )
    env = Source(
        "env",
        (),
        {
            **_CLEAN,
            "STIGMER_CONFIG": no_config,
            "STIGMER_ENDPOINT": secured,
            "STIGMER_API_KEY": API_KEY,
            "STIGMER_TLS_CA_FILE": str(pki.ca),
        },
    )
    config = d / "config.yaml"
    cli = Cli()
    made = cli.run(
        "config", "set-context", "secured", "--endpoint", secured,
        "--api-key-file", str(key_file), "--ca", str(pki.ca),
        STIGMER_CONFIG=str(config),
    )  # fmt: skip
    assert made.code == 0, made.stderr
    context = Source("config", (), {**_CLEAN, "STIGMER_CONFIG": str(config)})
    return {s.name: s for s in (flag, env, context)}


def _stigmer(cli: Cli, source: Source, *args: str, timeout: float = 120.0) -> Result:
    result = cli.run(*args, *source.args, timeout=timeout, **source.env)
    assert API_KEY not in result.stdout + result.stderr
    return result


def _completed_run(cli: Cli, source: Source) -> dict[str, object]:
    done = _stigmer(cli, source, "run", "-f", str(EXAMPLES / "hello.yaml"), "-o", "json")
    assert done.code == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    assert result["output"] == {"message": "HELLO, WORLD!"}
    return result


@pytest.fixture(scope="module")
def finished(cli: Cli, sources: dict[str, Source]) -> str:
    """The id of an execution that completed on the secured stack."""
    return str(_completed_run(cli, sources["env"])["id"])


@pytest.mark.parametrize("source", ["flag", "env", "config"])
def test_key_from_each_source_reaches_unary_calls_and_streams(
    cli: Cli, sources: dict[str, Source], finished: str, source: str
) -> None:
    """``get`` (a unary call) and ``watch`` (the subscribe stream) pass with each source."""
    got = _stigmer(cli, sources[source], "get", finished, "-o", "json")
    assert got.code == 0, got.stderr
    assert json.loads(got.stdout)["phase"] == "COMPLETED"
    watched = _stigmer(cli, sources[source], "watch", finished, "-o", "json", "--timeout", "60")
    assert watched.code == 0, watched.stderr
    assert json.loads(watched.stdout)["output"] == {"message": "HELLO, WORLD!"}


def test_every_command_works_with_the_key(cli: Cli, sources: dict[str, Source]) -> None:
    """apply, run (followed and not), get, list, watch, signal, cancel, validate, graph."""
    source = sources["config"]
    hello = str(EXAMPLES / "hello.yaml")
    approval = str(EXAMPLES / "approval.yaml")

    applied = _stigmer(cli, source, "apply", "-f", hello, "-o", "json")
    assert applied.code == 0, applied.stderr
    workflow_id = json.loads(applied.stdout)["id"]
    shown = _stigmer(cli, source, "get", workflow_id)
    assert shown.code == 0, shown.stderr
    assert json.loads(shown.stdout)["metadata"]["id"] == workflow_id

    execution_id = _completed_run(cli, source)["id"]
    listed = _stigmer(cli, source, "list", "--workflow", "hello", "-o", "json")
    assert listed.code == 0, listed.stderr
    assert execution_id in {e["id"] for e in json.loads(listed.stdout)}
    everything = _stigmer(cli, source, "list", "--phase", "completed", "--limit", "5")
    assert everything.code == 0, everything.stderr

    waiting = _started(cli, source, approval)
    signalled = _signal_when_listening(cli, source, waiting)
    assert signalled.code == 0, signalled.stderr
    approved = _stigmer(cli, source, "watch", waiting, "-o", "json", "--timeout", "60")
    assert approved.code == 0, approved.stderr
    assert json.loads(approved.stdout)["output"] == {"approved": True, "by": "ada"}

    doomed = _started(cli, source, approval)
    cancelled = _stigmer(cli, source, "cancel", doomed, "--reason", "test")
    assert cancelled.code == 0, cancelled.stderr
    ended = _stigmer(cli, source, "watch", doomed, "-o", "json", "--timeout", "60")
    assert json.loads(ended.stdout)["phase"] == "CANCELLED", ended.stderr

    # Local commands need no server; they must not trip over the credentials either.
    assert _stigmer(cli, source, "validate", hello).code == 0
    assert _stigmer(cli, source, "graph", hello).code == 0


def _started(cli: Cli, source: Source, file: str) -> str:
    started = _stigmer(cli, source, "run", "-f", file, "--no-follow")
    assert started.code == 0, started.stderr
    return started.stdout.strip()


def _signal_when_listening(cli: Cli, source: Source, execution_id: str) -> Result:
    deadline = time.monotonic() + 60
    while True:  # the listen task is reached a moment after the run starts
        sent = _stigmer(
            cli, source, "signal", execution_id, "--type", "com.example.approval",
            "--data", '{"approved": true, "by": "ada"}',
        )  # fmt: skip
        if sent.code == 0 or time.monotonic() > deadline:
            return sent
        assert "FAILED_PRECONDITION" in sent.stderr, sent.stderr
        time.sleep(0.2)


_REMOTE_COMMANDS = [
    ("apply", "-f", str(EXAMPLES / "hello.yaml")),
    ("run", "-f", str(EXAMPLES / "hello.yaml")),
    ("get", "wex-00000000000000000000000000"),
    ("list",),
    ("watch", "wex-00000000000000000000000000"),
    ("signal", "wex-00000000000000000000000000", "--type", "com.example.approval"),
    ("cancel", "wex-00000000000000000000000000"),
]


@pytest.mark.parametrize("command", _REMOTE_COMMANDS, ids=[c[0] for c in _REMOTE_COMMANDS])
def test_without_a_key_every_command_fails_with_one_line(
    cli: Cli, secured: str, pki: Pki, sources: dict[str, Source], command: tuple[str, ...]
) -> None:
    """No key: one UNAUTHENTICATED line naming how to pass one, exit status 2."""
    keyless = Source("none", ("--endpoint", secured, "--ca", str(pki.ca)), sources["flag"].env)
    result = _stigmer(cli, keyless, *command)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert _ONE_LINE_UNAUTHENTICATED.match(lines[0]), lines[0]


def test_a_wrong_key_is_refused_and_never_shown(
    cli: Cli, secured: str, pki: Pki, sources: dict[str, Source]
) -> None:
    """A wrong key fails the same way; even --debug's traceback does not show it."""
    wrong = f"wrong-{uuid.uuid4().hex}"
    result = cli.run(
        "list", "--debug", "--endpoint", secured, "--ca", str(pki.ca), "--api-key", wrong,
        **sources["flag"].env,
    )  # fmt: skip
    assert result.code == 2, result.stderr
    assert _ONE_LINE_UNAUTHENTICATED.match(result.stderr.strip().splitlines()[-1])
    assert wrong not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("tls_args", "reason"),
    [
        (
            (),
            "CERTIFICATE_VERIFY_FAILED: no trusted CA signed it",
        ),  # the system roots do not know the test CA
        (("--tls-server-name", "elsewhere.example"), "the certificate does not name the server"),
    ],
    ids=["unknown-ca", "wrong-name"],
)
def test_a_failed_tls_handshake_is_one_line(
    cli: Cli,
    secured: str,
    pki: Pki,
    sources: dict[str, Source],
    tls_args: tuple[str, ...],
    reason: str,
) -> None:
    """An untrusted certificate or a name mismatch: one line about the handshake, exit 2."""
    args = (*tls_args, "--ca", str(pki.ca)) if tls_args else ("--tls",)
    result = _stigmer(
        cli,
        Source("tls", ("--endpoint", secured, "--api-key", API_KEY, *args), sources["flag"].env),
        "list",
    )
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"stigmer: error: TLS handshake with the server failed ({reason})")


def test_plaintext_to_a_tls_server_suggests_tls(
    cli: Cli, secured: str, sources: dict[str, Source]
) -> None:
    """A plaintext client sees the connection closed: the one line suggests --tls."""
    plain = Source("plain", ("--endpoint", secured, "--api-key", API_KEY), sources["flag"].env)
    result = _stigmer(cli, plain, "list")
    assert result.code == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(f"({CLOSED_HINT})"), lines


@pytest.fixture(scope="module")
def mutual(
    pki: Pki, redis_url: str, temporal_address: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """stigmer-server alone, requiring a client certificate and the key; yields its endpoint."""
    env = {
        **stack_env(redis_url, temporal_address, "cli-mtls"),
        "STIGMER_API_KEYS": API_KEY,
        "GRPC_TLS_CERT_FILE": str(pki.server_cert),
        "GRPC_TLS_KEY_FILE": str(pki.server_key),
        "GRPC_TLS_CLIENT_CA_FILE": str(pki.ca),
        "TEMPORAL_DISABLED": "true",
    }
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.read_bytes(),
        private_key=pki.client_key.read_bytes(),
        certificate_chain=pki.client_cert.read_bytes(),
    )
    log = tmp_path_factory.mktemp("mtls") / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "stigmer_server.main"], env=env, stdout=sink, stderr=sink
        )
    try:
        endpoint = env["STIGMER_BACKEND_ENDPOINT"]
        wait_grpc_serving(endpoint, server, credentials=credentials)
        yield endpoint
    finally:
        stop_process(server)


def test_mutual_tls_with_a_client_certificate_from_flags_and_env(
    cli: Cli, mutual: str, pki: Pki, sources: dict[str, Source]
) -> None:
    """--cert/--key (or their variables) pass the handshake; without them one line says so."""
    tls = ("--endpoint", mutual, "--api-key", API_KEY, "--ca", str(pki.ca))
    clean = sources["flag"].env
    by_flags = Source(
        "mtls", (*tls, "--cert", str(pki.client_cert), "--key", str(pki.client_key)), clean
    )
    by_env = Source(
        "mtls-env",
        tls,
        {
            **clean,
            "STIGMER_TLS_CERT_FILE": str(pki.client_cert),
            "STIGMER_TLS_KEY_FILE": str(pki.client_key),
        },
    )
    for source in (by_flags, by_env):
        # Past the handshake and the key check, the server answers: no such execution.
        missing = _stigmer(cli, source, "get", "wex-00000000000000000000000000")
        assert missing.code == 1, missing.stderr
        assert missing.stderr.startswith("stigmer: error: NOT_FOUND"), missing.stderr

    # TLS 1.3: the client's handshake is over before the server checks for its certificate,
    # so the client only sees the connection closed; the line says what to pass.
    refused = _stigmer(cli, Source("no-cert", tls, clean), "get", "wex-00000000000000000000000000")
    assert refused.code == 1, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].endswith(f"({CLOSED_HINT})"), lines
