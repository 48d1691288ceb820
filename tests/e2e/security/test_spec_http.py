"""What HTTP calls send, secrets in data, and error filters, through ``stigmer run -o json``.

Both services run as subprocesses (``stigmer_endpoint``); the CLI runs as a subprocess too; a
loopback server records every request it receives. Secret values must reach that server and
nothing else: not the CLI's output, the stored execution, nor either Temporal history.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest
import yaml
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_testing.executions import get_execution
from stigmer_testing.history import decoded_history
from stigmer_testing.http_stub import QuietHandler, serve_http
from temporalio.client import Client

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
TOKEN = f"tok-{uuid.uuid4().hex}"
USER, PASSWORD = "svc", f"pw-{uuid.uuid4().hex}"


class _Recorder(QuietHandler):
    """Records each request; ``/fail`` answers 503, everything else 200 ``{"ok": true}``."""

    received: list[dict[str, Any]] = []

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        _Recorder.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status = 503 if self.path.startswith("/fail") else 200
        self.reply(status, json.dumps({"ok": status == 200}).encode())

    do_GET = _record
    do_POST = _record


@pytest.fixture(scope="module")
def recorder() -> Iterator[str]:
    with serve_http(_Recorder) as url:
        yield url


def _received(marker: str) -> list[dict[str, Any]]:
    return [r for r in _Recorder.received if marker in r["path"]]


def _run(
    endpoint: str,
    tmp_path: Path,
    tasks: list[dict[str, Any]],
    data: dict[str, Any] | None = None,
    *,
    use: dict[str, Any] | None = None,
    input_from: str | None = None,
) -> dict[str, Any]:
    """``stigmer run -f <doc> -o json`` with the module's secrets; the parsed JSON result."""
    name = f"spec-http-{uuid.uuid4().hex[:8]}"
    document: dict[str, Any] = {
        "document": {"dsl": "1.0.0", "namespace": "e2e", "name": name, "version": "1.0.0"},
        **({"use": use} if use else {}),
        **({"input": {"from": input_from}} if input_from else {}),
        "do": tasks,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    creds = json.dumps({"username": USER, "password": PASSWORD})
    command = [
        *(sys.executable, "-m", "stigmer_cli", "run", "-f", str(path)),
        *("--endpoint", endpoint, "-o", "json", "--input", json.dumps(data or {})),
        *("--secret", f"apiKey={TOKEN}", "--secret", f"creds={creds}"),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=REPO, check=False
    )
    assert TOKEN not in done.stdout + done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def _nothing_stored_holds_a_secret(
    endpoint: str, temporal_client: Client, execution_id: str
) -> None:
    """Neither Temporal history nor the stored execution status holds a secret value."""
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    texts = []
    for workflow_id in (
        f"stigmer/workflow-execution/invoke/{execution_id}",
        interpreter_workflow_id(execution_id),
    ):
        history = await temporal_client.get_workflow_handle(workflow_id).fetch_history()
        texts.append(decoded_history(json.loads(history.to_json())))
    async with grpc.aio.insecure_channel(endpoint) as channel:
        execution = await get_execution(channel, execution_id)
    texts.append(json.dumps(execution.status.to_dict()))
    for text in texts:
        for value in (TOKEN, PASSWORD, basic):
            assert value not in text


def test_uri_template_values_cannot_inject_path_query_or_fragment(
    stigmer_endpoint: str, recorder: str, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex
    task = {
        "get": {
            "call": "http",
            "with": {
                "method": "get",
                "endpoint": {"uri": f"{recorder}/tpl-{marker}/{{id}}/items?fixed=1"},
            },
        }
    }
    result = _run(stigmer_endpoint, tmp_path, [task], {"id": "../admin?role=root#frag"})
    assert result["phase"] == "COMPLETED", result
    (sent,) = _received(f"/tpl-{marker}/")
    assert sent["path"] == f"/tpl-{marker}/..%2Fadmin%3Frole%3Droot%23frag/items?fixed=1"


def test_query_and_header_values_are_written_as_json(
    stigmer_endpoint: str, recorder: str, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex
    task = {
        "get": {
            "call": "http",
            "with": {
                "method": "get",
                "endpoint": f"{recorder}/values-{marker}",
                "query": {
                    "flag": "${ .flag }",
                    "n": "${ .n }",
                    "none": "${ .none }",
                    "obj": "${ .obj }",
                },
                "headers": {"X-Flag": "${ .flag }", "X-Obj": "${ .obj }", "X-None": "${ .none }"},
            },
        }
    }
    data = {"flag": False, "n": 1.5, "none": None, "obj": {"a": [1, None]}}
    result = _run(stigmer_endpoint, tmp_path, [task], data)
    assert result["phase"] == "COMPLETED", result
    (sent,) = _received(f"/values-{marker}")
    query = parse_qs(urlsplit(sent["path"]).query)
    assert query == {"flag": ["false"], "n": ["1.5"], "obj": ['{"a":[1,null]}']}
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert headers["x-flag"] == "false" and headers["x-obj"] == '{"a":[1,null]}'
    assert "x-none" not in headers


@pytest.mark.parametrize(
    ("header", "use"),
    [("${ $secrets.missing }", None), ("${ $secrets.apiKey }", {"secrets": ["creds"]})],
    ids=["missing", "undeclared"],
)
def test_a_missing_or_undeclared_secret_fails_with_the_authorization_error(
    stigmer_endpoint: str,
    recorder: str,
    tmp_path: Path,
    header: str,
    use: dict[str, Any] | None,
) -> None:
    marker = uuid.uuid4().hex
    task = {
        "get": {
            "call": "http",
            "with": {
                "method": "get",
                "endpoint": f"{recorder}/missing-{marker}",
                "headers": {"X-Key": header},
            },
        }
    }
    result = _run(stigmer_endpoint, tmp_path, [task], use=use)
    assert result["phase"] == "FAILED", result
    details = result["error_details"]
    assert details["status"] == 403, result
    assert details["type"] == "https://serverlessworkflow.io/spec/1.0.0/errors/authorization"
    assert not _received(f"/missing-{marker}")


async def test_secrets_in_input_from_and_authorization_reach_only_the_wire(
    stigmer_endpoint: str, recorder: str, tmp_path: Path, temporal_client: Client
) -> None:
    marker = uuid.uuid4().hex
    tasks = [
        {
            "login": {
                "input": {"from": "${ {key: $secrets.apiKey, user: $secrets.creds.username} }"},
                "call": "http",
                "with": {
                    "method": "post",
                    "endpoint": {
                        "uri": f"{recorder}/login-{marker}",
                        "authentication": {"basic": {"use": "creds"}},
                    },
                    "headers": {"X-Api-Key": "${ .key }"},
                    "body": {"user": "${ .user }"},
                },
                "output": {"as": "${ {auth: $authorization, key: $input.key} }"},
                "export": {"as": "${ {auth: $authorization} }"},
            }
        },
        {
            "reuse": {
                "call": "http",
                "with": {
                    "method": "get",
                    "endpoint": f"{recorder}/reuse-{marker}",
                    "headers": {
                        "Authorization": '${ $context.auth.scheme + " " + $context.auth.parameter }'
                    },
                },
                "output": {"as": "${ $context.auth }"},
            }
        },
    ]
    result = _run(stigmer_endpoint, tmp_path, tasks)
    assert result["phase"] == "COMPLETED", result
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (login,) = _received(f"/login-{marker}")
    assert login["headers"]["X-Api-Key"] == TOKEN
    assert login["headers"]["Authorization"] == basic
    assert json.loads(login["body"]) == {"user": USER}
    (reuse,) = _received(f"/reuse-{marker}")
    assert reuse["headers"]["Authorization"] == basic
    # The output carries the descriptor with a reference for the secret-derived parameter.
    assert result["output"]["scheme"] == "Basic"
    assert result["output"]["parameter"].startswith("~stigmer-secret.")
    await _nothing_stored_holds_a_secret(stigmer_endpoint, temporal_client, result["id"])


def test_catch_when_reads_the_caught_error(
    stigmer_endpoint: str, recorder: str, tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex
    guarded = {
        "guarded": {
            "try": [
                {
                    "call": {
                        "call": "http",
                        "with": {"method": "get", "endpoint": f"{recorder}/fail-{marker}"},
                    }
                }
            ],
            "catch": {
                "as": "err",
                "when": '${ .status == 503 and ($err.type | endswith("/communication")) }',
                "exceptWhen": "${ .status == 200 }",
                "do": [
                    {"recover": {"set": {"caught": "${ $err.status }", "input": "${ .status }"}}}
                ],
            },
        }
    }
    result = _run(stigmer_endpoint, tmp_path, [guarded], {"status": 200})
    assert result["phase"] == "COMPLETED", result
    assert result["output"] == {"caught": 503, "input": 200}


def test_retry_stops_once_the_attempt_duration_is_past(
    stigmer_endpoint: str, recorder: str, tmp_path: Path
) -> None:
    """Errors at about 0 s and 4 s are retried; the one after 8 s is past the 6 s window.

    The 2 s margins on both sides absorb a slow worker.
    """
    marker = uuid.uuid4().hex
    guarded = {
        "guarded": {
            "try": [
                {
                    "call": {
                        "call": "http",
                        "with": {"method": "get", "endpoint": f"{recorder}/fail-{marker}"},
                    }
                }
            ],
            "catch": {
                "retry": {
                    "when": "${ .status == 503 }",
                    "delay": {"seconds": 4},
                    "limit": {"attempt": {"count": 20, "duration": {"seconds": 6}}},
                },
            },
        }
    }
    result = _run(stigmer_endpoint, tmp_path, [guarded])
    assert result["phase"] == "FAILED", result
    assert result["error_details"]["status"] == 503
    assert len(_received(f"/fail-{marker}")) == 3
