"""The staleness check of generated code against the .proto sources."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from stigmer_protos import freshness


def test_current_checkout_is_fresh() -> None:
    assert freshness.stale_reason() is None


def test_changed_sources_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = tmp_path / "_generated.sha256"
    recorded.write_text("0" * 64 + "\n")
    monkeypatch.setattr(freshness, "HASH_FILE", recorded)
    reason = freshness.stale_reason()
    assert reason is not None
    assert "hatch run protos" in reason


def _build_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "_hatch_build", freshness.CHECKOUT / "hatch_build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_sees_the_checkout_as_current() -> None:
    assert _build_script().is_current() is True


def test_build_script_sees_missing_generated_code(tmp_path: Path) -> None:
    script = _build_script()
    (tmp_path / "_generated.sha256").write_text(script.sources_digest() + "\n")
    assert script.is_current(tmp_path) is False
    for name in script.GENERATED:
        (tmp_path / name).mkdir()
    assert script.is_current(tmp_path) is True
    (tmp_path / "_generated.sha256").write_text("0" * 64 + "\n")
    assert script.is_current(tmp_path) is False
