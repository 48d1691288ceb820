"""``call: http`` against a loopback stub server; error mapping and try/catch of a 404."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

ERR = "https://serverlessworkflow.io/spec/1.0.0/errors/"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: Any, content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/pet/1"):
            self._reply(200, {"id": 1, "name": "milou", "status": "available"})
        elif self.path.startswith("/echo"):
            self._reply(200, {"path": self.path, "auth": self.headers.get("Authorization")})
        elif self.path.startswith("/bytes"):
            self._reply(200, b"\x00\x01", "application/octet-stream")
        elif self.path.startswith("/unavailable"):
            self._reply(503, {"message": "down"})
        else:
            self._reply(404, {"message": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self._reply(201, {"received": json.loads(self.rfile.read(length) or b"null")})


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _doc(body: str) -> str:
    return "document: {dsl: '1.0.3', namespace: test, name: http, version: '1.0.0'}\ndo:\n" + body


async def test_content_output_with_uri_template(engine: Any, stub_url: str) -> None:
    run = await engine(
        _doc(f"""
  - getPet:
      call: http
      with:
        method: get
        endpoint:
          uri: {stub_url}/pet/{{petId}}
      output:
        as: .name
"""),
        {"petId": 1},
    )
    assert run.error is None, run.error
    assert run.output == "milou"


async def test_response_and_raw_output_and_query(engine: Any, stub_url: str) -> None:
    run = await engine(
        _doc(f"""
  - echo:
      call: http
      with:
        method: get
        endpoint: {stub_url}/echo
        query:
          q: ${{ .q }}
        output: response
      export:
        as: '{{echoed: .content.path}}'
  - raw:
      call: http
      with:
        method: get
        endpoint: {stub_url}/bytes
        output: raw
      output:
        as: '{{raw: ., echoed: $context.echoed}}'
"""),
        {"q": "a b"},
    )
    assert run.error is None, run.error
    assert run.output == {"raw": "AAE=", "echoed": "/echo?q=a+b"}


async def test_post_body_and_basic_auth(engine: Any, stub_url: str) -> None:
    run = await engine(
        _doc(f"""
  - post:
      call: http
      with:
        method: post
        endpoint: {stub_url}/items
        body:
          name: ${{ .name }}
  - auth:
      call: http
      with:
        method: get
        endpoint:
          uri: {stub_url}/echo
          authentication:
            basic:
              username: ${{ .received.name }}
              password: secret
"""),
        {"name": "ada"},
    )
    assert run.error is None, run.error
    assert run.output["auth"] == "Basic YWRhOnNlY3JldA=="


async def test_try_catches_404_with_instance(engine: Any, stub_url: str) -> None:
    run = await engine(
        _doc(f"""
  - tryGetPet:
      try:
        - getPet:
            call: http
            with:
              method: get
              endpoint:
                uri: {stub_url}/pet/getPetByName/{{petName}}
      catch:
        errors:
          with:
            type: https://serverlessworkflow.io/dsl/errors/types/communication
            status: 404
        as: err
        do:
          - setError:
              set:
                error: ${{ $err }}
"""),
        {"petName": "Milou"},
    )
    assert run.error is None, run.error
    error = run.output["error"]
    assert error["type"] == ERR + "communication"
    assert error["status"] == 404
    assert error["title"]
    assert error["instance"] == "/do/0/tryGetPet/try/0/getPet"


async def test_uncaught_503_faults_readably(engine: Any, stub_url: str) -> None:
    run = await engine(
        _doc(f"""
  - tryGetPet:
      try:
        - getPet:
            call: http
            with:
              method: get
              endpoint: {stub_url}/unavailable
      catch:
        errors:
          with:
            status: 404
"""),
    )
    assert run.error is not None
    assert run.error.type == "communication"
    assert run.error.non_retryable
    assert run.error_dict["status"] == 503
    assert run.error_dict["instance"] == "/do/0/tryGetPet/try/0/getPet"
    assert "(at /do/0/tryGetPet/try/0/getPet)" in run.error.message


async def test_connection_refused_is_communication_error(engine: Any) -> None:
    run = await engine(
        _doc("""
  - nowhere:
      call: http
      with:
        method: get
        endpoint: http://127.0.0.1:9/nothing
"""),
    )
    assert run.error is not None
    assert run.error_dict["type"] == ERR + "communication"
    assert run.error_dict["instance"] == "/do/0/nowhere"


async def test_retry_then_catch_do(engine: Any, stub_url: str) -> None:
    run = await engine(
        _doc(f"""
  - attempt:
      try:
        - call503:
            call: http
            with:
              method: get
              endpoint: {stub_url}/unavailable
      catch:
        errors:
          with:
            status: 503
        retry:
          delay:
            milliseconds: 10
          backoff:
            exponential: {{}}
          limit:
            attempt:
              count: 2
        do:
          - fallback:
              set:
                fallback: true
"""),
    )
    assert run.error is None, run.error
    assert run.output == {"fallback": True}
    calls = [r for r in run.sink.latest().values() if r.task_kind == "call.http"]
    assert calls and all(r.status == "FAILED" for r in calls)
