"""The README's first command: ``stigmer run`` with no server starts and stops its own stack."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _default_endpoint_busy() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", 7234)) == 0


@pytest.mark.skipif(_default_endpoint_busy(), reason="a server already listens on localhost:7234")
def test_run_without_a_server_embeds_one(cli: Any) -> None:
    result = cli.run("run", "-f", str(cli.examples / "hello.yaml"), "-o", "json", timeout=120)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["output"] == {"message": "HELLO, WORLD!"}
