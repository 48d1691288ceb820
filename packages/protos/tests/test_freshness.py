"""The staleness check of generated code against the .proto sources."""

from __future__ import annotations

from pathlib import Path

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
