"""``emit`` delivery to the operator's sink, with the sink's key and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from stigmer_testing.http_stub import QuietHandler, serve_http
from workflow_runner.engine.activities.emit_event import EmitRequest, deliver
from workflow_runner.engine.config import EVENT_SINK_KEY_FILE_ENV, EngineConfig

EVENT = {"specversion": "1.0", "type": "t", "source": "s", "id": "1", "data": {"x": 1}}


def _recording(seen: list[dict[str, Any]]) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"authorization": self.headers.get("Authorization"), "body": body})
            self.reply(202, b"{}")

    return Handler


@pytest.mark.parametrize("key", [None, "write-key-1"])
async def test_the_sink_gets_the_event_and_its_key_only_when_set(key: str | None) -> None:
    seen: list[dict[str, Any]] = []
    with serve_http(_recording(seen)) as url:
        result = await deliver(EmitRequest(EVENT, "wex-1"), f"{url}/events", key)
    assert result.delivered and result.status_code == 202
    assert json.loads(seen[0]["body"]) == EVENT
    assert seen[0]["authorization"] == (f"Bearer {key}" if key else None)


def test_the_key_comes_from_its_file_and_is_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "sink.key"
    key_file.write_text("  write-key-2\n")
    monkeypatch.setenv(EVENT_SINK_KEY_FILE_ENV, str(key_file))
    config = EngineConfig.from_env()
    assert config.event_sink_api_key == "write-key-2"
    assert "write-key-2" not in repr(config)
    key_file.write_text("\n")
    with pytest.raises(ValueError, match=EVENT_SINK_KEY_FILE_ENV):
        EngineConfig.from_env()
