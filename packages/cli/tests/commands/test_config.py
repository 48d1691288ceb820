"""``stigmer config``: contexts are created, listed, switched and shown without their keys."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from stigmer_cli.config_file import load_config
from stigmer_cli.main import execute

KEY = "inline-secret-key"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$STIGMER_CONFIG pointing at a fresh file, the working directory beside it."""
    path = tmp_path / "conf" / "config.yaml"
    monkeypatch.setenv("STIGMER_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    return path


def test_contexts_are_managed_and_keys_never_printed(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert execute(["config", "set-context", "prod", "--endpoint", "p:443", "--api-key", KEY]) == 0
    assert "created and made current" in capsys.readouterr().out
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert execute(["config", "set-context", "dev", "--endpoint", "d:1", "--ca", "ca.pem"]) == 0
    assert load_config(config).context("dev").ca == str(config.parent.parent / "ca.pem")

    assert execute(["config", "current-context"]) == 0
    assert capsys.readouterr().out.split() == [
        "context",
        "dev",
        "created",
        "in",
        str(config),
        "prod",
    ]
    assert execute(["config", "use-context", "dev"]) == 0
    assert execute(["config", "get-contexts", "-o", "json"]) == 0
    out = capsys.readouterr().out
    listed = json.loads(out.split("\n", 1)[1])
    assert [(c["name"], c["current"], c["api_key"], c["tls"]) for c in listed] == [
        ("prod", False, "inline", "off"),
        ("dev", True, "none", "on"),
    ]
    assert execute(["config", "get-contexts"]) == 0
    assert execute(["config", "view"]) == 0
    shown = capsys.readouterr().out
    assert "<redacted>" in shown
    assert KEY not in out + shown

    # Switching the key source replaces the other one; other settings stay.
    assert execute(["config", "set-context", "prod", "--api-key-file", "k"]) == 0
    prod = load_config(config).context("prod")
    assert (prod.api_key, prod.api_key_file, prod.endpoint) == (
        None,
        str(config.parent.parent / "k"),
        "p:443",
    )

    assert execute(["config", "delete-context", "dev"]) == 0
    assert load_config(config).current_context is None
    assert execute(["config", "current-context"]) == 2
    assert "no current context" in capsys.readouterr().err


def test_an_unknown_context_is_a_usage_error(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert execute(["config", "use-context", "nope"]) == 2
    assert "no context 'nope'" in capsys.readouterr().err
    assert not config.exists()
