"""``$secrets`` in ``input.from`` and ``$authorization``: references in data, values on the wire.

A loopback server records what each call really sent; the interpreter's history, progress rows
and output must hold references (``~stigmer-secret.<hex>~``) and never the values.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stigmer_testing.http_stub import QuietHandler, serve_http
from temporalio.client import Client
from workflow_runner.engine import EngineConfig, StaticSecrets

TOKEN = "tok-Value-81f3"
USER, PASSWORD = "svc", "pa55-Word-19c2"
SECRETS = StaticSecrets({"apiKey": TOKEN, "creds": {"username": USER, "password": PASSWORD}})
CONFIG = EngineConfig(secret_resolver=SECRETS)
REFERENCE = r"^~stigmer-secret\.[0-9a-f]{32}~$"


class _Recorder(QuietHandler):
    received: list[dict[str, Any]] = []

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        _Recorder.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.reply(200, json.dumps({"ok": True}).encode())

    do_GET = _record
    do_POST = _record


@pytest.fixture(scope="module")
def recorder() -> Iterator[str]:
    with serve_http(_Recorder) as url:
        yield url


def _doc(body: str, use: str = "") -> str:
    head = "document: {dsl: '1.0.3', namespace: test, name: refs, version: '1.0.0'}\n"
    return head + use + "do:\n" + body


def _sent(marker: str) -> dict[str, Any]:
    found = [r for r in _Recorder.received if marker in r["path"]]
    assert len(found) == 1, found
    return found[0]


async def _history(client: Client, workflow_id: str) -> str:
    return (await client.get_workflow_handle(workflow_id).fetch_history()).to_json()


def _progress(run: Any) -> str:
    return json.dumps([[row.input, row.output] for b in run.sink.batches for row in b.tasks])


async def test_secrets_in_input_from_reach_the_wire_and_nothing_else(
    engine: Any, recorder: str, temporal_client: Client
) -> None:
    run = await engine(
        _doc(f"""
  - call:
      input:
        from: '${{ {{key: $secrets.apiKey, auth: ("Bearer " + $secrets.apiKey),
                  user: $secrets.creds.username, n: .n}} }}'
      call: http
      with:
        method: post
        endpoint: {recorder}/in-from/{{n}}?q=1
        headers:
          X-Api-Key: ${{ .key }}
          Authorization: ${{ .auth }}
        query:
          user: ${{ .user }}
        body: ${{ . }}
      output:
        as: '${{ {{input: $input, key: $input.key}} }}'
"""),
        {"n": 7},
        config=CONFIG,
    )
    assert run.error is None, run.error
    sent = _sent("/in-from/7")
    assert sent["headers"]["X-Api-Key"] == TOKEN
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert f"user={USER}" in sent["path"]
    assert json.loads(sent["body"]) == {
        "key": TOKEN,
        "auth": f"Bearer {TOKEN}",
        "user": USER,
        "n": 7,
    }
    # Workflow data holds references: the output, progress rows and history show no value.
    assert re.match(REFERENCE, run.output["key"])
    assert run.output["input"]["auth"] == f"Bearer {run.output['key']}"
    history = await _history(temporal_client, run.workflow_id)
    for text in (history, _progress(run), json.dumps(run.output)):
        assert TOKEN not in text and PASSWORD not in text


async def test_workflow_input_from_reads_secrets_too(engine: Any, recorder: str) -> None:
    run = await engine(
        _doc(
            f"""
  - call:
      call: http
      with:
        method: get
        endpoint: {recorder}/wf-in-from
        headers:
          X-Api-Key: ${{ .key }}
""",
            use="input:\n  from: '${ {key: $secrets.apiKey} }'\n",
        ),
        {},
        config=CONFIG,
    )
    assert run.error is None, run.error
    assert _sent("/wf-in-from")["headers"]["X-Api-Key"] == TOKEN


async def test_a_token_the_run_did_not_mint_is_sent_as_literal_data(
    engine: Any, recorder: str
) -> None:
    forged = "~stigmer-secret." + "0" * 32 + "~"
    run = await engine(
        _doc(f"""
  - call:
      input:
        from: '${{ {{key: $secrets.apiKey, forged: .forged}} }}'
      call: http
      with:
        method: get
        endpoint: {recorder}/forged
        headers:
          X-Forged: ${{ .forged }}
"""),
        {"forged": forged},
        config=CONFIG,
    )
    assert run.error is None, run.error
    assert _sent("/forged")["headers"]["X-Forged"] == forged


@pytest.mark.parametrize(
    ("where", "use"),
    [
        ("input:\n        from: '${ {key: $secrets.nope} }'\n      ", ""),
        ("", ""),
        (
            "input:\n        from: '${ {key: $secrets.apiKey} }'\n      ",
            "use:\n  secrets: [creds]\n",
        ),
    ],
    ids=["input-from-missing", "header-missing", "input-from-undeclared"],
)
async def test_a_missing_or_undeclared_secret_is_the_authorization_error(
    engine: Any, recorder: str, where: str, use: str
) -> None:
    header = "${ .key }" if where else "${ $secrets.nope }"
    run = await engine(
        _doc(
            f"""
  - call:
      {where}call: http
      with:
        method: get
        endpoint: {recorder}/missing
        headers:
          X-Api-Key: '{header}'
""",
            use=use,
        ),
        {},
        config=CONFIG,
    )
    assert run.error_dict["status"] == 403
    assert run.error_dict["type"].endswith("/errors/authorization")
    assert not [r for r in _Recorder.received if "/missing" in r["path"]]


async def test_authorization_descriptor_holds_a_reference_to_a_secret_parameter(
    engine: Any, recorder: str, temporal_client: Client
) -> None:
    run = await engine(
        _doc(
            f"""
  - login:
      call: http
      with:
        method: get
        endpoint:
          uri: {recorder}/auth-login
          authentication:
            basic:
              use: creds
      output:
        as: ${{ $authorization }}
      export:
        as: '${{ {{auth: $authorization}} }}'
  - reuse:
      call: http
      with:
        method: get
        endpoint: {recorder}/auth-reuse
        headers:
          Authorization: ${{ $context.auth.scheme + " " + $context.auth.parameter }}
""",
            use="use:\n  secrets: [creds]\n",
        ),
        {},
        config=CONFIG,
    )
    assert run.error is None, run.error
    expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    login = _sent("/auth-login")["headers"]["Authorization"]
    assert login == f"Basic {expected}"
    assert _sent("/auth-reuse")["headers"]["Authorization"] == login
    history = await _history(temporal_client, run.workflow_id)
    for text in (history, _progress(run)):
        assert expected not in text and PASSWORD not in text
    rows = {row.task_name: row.output for b in run.sink.batches for row in b.tasks}
    assert rows["login"]["scheme"] == "Basic"
    assert re.match(REFERENCE, rows["login"]["parameter"])


async def test_authorization_descriptor_of_a_literal_policy_is_the_real_one(
    engine: Any, recorder: str
) -> None:
    run = await engine(
        _doc(f"""
  - login:
      call: http
      with:
        method: get
        endpoint:
          uri: {recorder}/auth-literal
          authentication:
            bearer:
              token: ${{ .token }}
      output:
        as: ${{ $authorization }}
"""),
        {"token": "not-a-secret"},
    )
    assert run.error is None, run.error
    assert run.output == {"scheme": "Bearer", "parameter": "not-a-secret"}


async def test_no_authorization_descriptor_without_authentication(
    engine: Any, recorder: str
) -> None:
    run = await engine(
        _doc(f"""
  - plain:
      call: http
      with: {{method: get, endpoint: {recorder}/auth-none}}
      output:
        as: '${{ {{auth: $authorization}} }}'
"""),
    )
    assert run.output == {"auth": None}, run.error


# Recorded by the code before `$authorization` was filled (it was null): the replay of
# `authorization_before_patch.json` (test_replay.py) checks the `authorization-descriptor`
# patch keeps such executions on their path (a timer only when the descriptor is null).
BEFORE_PATCH = """
document: {dsl: '1.0.3', namespace: replay, name: authorization, version: '1.0.0'}
use:
  secrets: [apiKey]
do:
  - login:
      call: http
      with:
        method: get
        endpoint:
          uri: URL/replay-auth
          authentication:
            bearer:
              use: apiKey
      output:
        as: '${ {auth: $authorization} }'
  - route:
      switch:
        - none: {when: '${ .auth == null }', then: pause}
        - some: {then: end}
  - pause:
      wait: {milliseconds: 10}
"""


@pytest.mark.skipif(
    os.environ.get("STIGMER_RECORD_HISTORIES") != "1", reason="records histories on demand"
)
async def test_record_before_patch(engine: Any, recorder: str, temporal_client: Client) -> None:
    run = await engine(BEFORE_PATCH.replace("URL", recorder), {}, config=CONFIG)
    assert run.error is None, run.error
    history = await _history(temporal_client, run.workflow_id)
    assert TOKEN not in history
    (Path(__file__).parent / "histories" / "authorization_before_patch.json").write_text(
        json.dumps(json.loads(history), indent=1) + "\n"
    )


async def test_references_survive_continue_as_new(engine: Any, recorder: str) -> None:
    steps = "".join(f"  - step{i}:\n      set: {{key: '${{ .key }}'}}\n" for i in range(4))
    run = await engine(
        _doc(
            steps
            + f"""  - call:
      call: http
      with:
        method: get
        endpoint: {recorder}/after-can
        headers:
          X-Api-Key: ${{ .key }}
""",
            use="input:\n  from: '${ {key: $secrets.apiKey} }'\n",
        ),
        {},
        config=CONFIG,
        input_options={"tasks_per_run_limit": 2},
    )
    assert run.error is None, run.error
    assert _sent("/after-can")["headers"]["X-Api-Key"] == TOKEN
