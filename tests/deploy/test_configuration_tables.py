"""deploy/README.md's configuration tables list exactly the variables the services read.

Each service's configuration is built from a mapping that records every name it is asked for
(the engine's settings read ``os.environ`` itself, replaced by the recorder meanwhile), so a
variable added to or dropped from a config dataclass without its table row fails here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from stigmer_server.config import Config
from stigmer_telemetry.config import TelemetryConfig
from workflow_runner.config import RunnerConfig
from workflow_runner.engine.config import (
    ALLOW_FILE_RESOURCES_ENV,
    FILE_RESOURCES_ROOT_ENV,
    EngineConfig,
)


class Recorder(dict[str, str]):
    """An environment holding ``values`` that remembers every variable looked up."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        super().__init__(values or {})
        self.names: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.names.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.names.add(str(key))
        return super().__contains__(key)


def _read_by(build: Callable[[Recorder], object]) -> set[str]:
    recorder = Recorder()
    build(recorder)
    return recorder.names


def _engine_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> set[str]:
    names: set[str] = set()
    # Once as is, once with the switch that makes it read more turned on.
    for values in ({}, {ALLOW_FILE_RESOURCES_ENV: "true", FILE_RESOURCES_ROOT_ENV: str(tmp_path)}):
        recorder = Recorder(values)
        with monkeypatch.context() as patch:
            patch.setattr(os, "environ", recorder)
            EngineConfig.from_env()
        names |= recorder.names
    return names


def _tables(dp: Any) -> dict[str, list[list[str]]]:
    """The rows (cells) of each ``### heading`` table of the Configuration section."""
    text = (dp.DEPLOY / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, list[list[str]]] = {}
    for part in section.split("\n### ")[1:]:
        title, _, body = part.partition("\n")
        rows = [line for line in body.splitlines() if line.startswith("| ")]
        tables[title.strip()] = [[c.strip() for c in r.strip("|").split(" | ")] for r in rows[1:]]
    return tables


def _names(rows: list[list[str]]) -> Iterator[str]:
    for row in rows:
        yield from re.findall(r"`([A-Z][A-Z0-9_]+)`", row[0])


@pytest.mark.parametrize(
    ("title", "service"),
    [
        ("stigmer-server", "server"),
        ("workflow-runner", "runner"),
        ("OpenTelemetry (both services)", "otel"),
    ],
)
def test_table_lists_every_variable_read(
    dp: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, title: str, service: str
) -> None:
    if service == "server":
        read = _read_by(Config.from_env)
    elif service == "runner":
        read = _read_by(RunnerConfig.from_env) | _engine_names(monkeypatch, tmp_path)
    else:
        read = _read_by(TelemetryConfig.from_env)
    assert len(read) > 5, "the recorder saw nothing: configuration no longer read from a mapping?"
    rows = _tables(dp)[title]
    listed = list(_names(rows))
    assert sorted(read - set(listed)) == [], f"{title}: missing from deploy/README.md"
    assert sorted(set(listed) - read) == [], f"{title}: listed but never read"
    assert len(listed) == len(set(listed)), f"{title}: a variable is listed twice"
    header_cells = 5
    for row in rows:
        assert len(row) == header_cells and all(row), f"{title}: incomplete row {row}"


def test_key_and_tls_settings_are_documented(dp: Any) -> None:
    tables = _tables(dp)
    server = set(_names(tables["stigmer-server"]))
    runner = set(_names(tables["workflow-runner"]))
    assert {"STIGMER_API_KEYS", "STIGMER_API_KEYS_FILE", "GRPC_TLS_CERT_FILE"} <= server
    assert {
        "GRPC_TLS_KEY_FILE",
        "GRPC_TLS_CLIENT_CA_FILE",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    } <= server
    assert {"STIGMER_API_KEY", "STIGMER_API_KEY_FILE", "STIGMER_SERVICE_CA_FILE"} <= runner
