"""The README's first command: ``stigmer run`` with no server starts and stops its own stack."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _default_endpoint_busy() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", 7234)) == 0


@pytest.mark.skipif(_default_endpoint_busy(), reason="a server already listens on localhost:7234")
def test_run_without_a_server_embeds_one(cli: Any, tmp_path: Path) -> None:
    """It needs no key and says so, even with a deployed server's keys and TLS in the shell."""
    result = cli.run(
        "run",
        "-f",
        str(cli.examples / "hello.yaml"),
        timeout=120,
        STIGMER_API_KEYS="not-for-the-local-stack",
        GRPC_TLS_CERT_FILE=str(tmp_path / "absent.pem"),
        GRPC_TLS_KEY_FILE=str(tmp_path / "absent.key"),
        STIGMER_CONFIG=str(tmp_path / "absent.yaml"),
    )
    assert result.code == 0, result.stderr
    assert "listening on loopback only, no API key needed" in result.stderr
    _, _, output = result.stdout.partition("\n")
    assert json.loads(output) == {"message": "HELLO, WORLD!"}
