"""The key file is re-read when it changes; a bad new file keeps the keys in force."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from stigmer_server.access.api_keys import Scope, load_settings
from stigmer_server.access.key_source import ApiKeySource


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _source(path: Path, inline: str = "", interval: float = 5.0) -> tuple[ApiKeySource, Clock]:
    clock = Clock()
    return ApiKeySource(load_settings(inline, str(path), interval), clock), clock


def _rewrite(path: Path, text: str) -> None:
    """Replace the file as a Kubernetes Secret update does: write aside, rename over."""
    aside = path.with_suffix(".new")
    aside.write_text(text)
    os.replace(aside, path)


def test_a_changed_file_takes_effect_after_the_interval(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("runner:old\n")
    source, clock = _source(keys, inline="admin:boot")
    _rewrite(keys, "runner:new\nread:r\n")
    assert source.identify(b"new") is None  # not due yet
    clock.now += 5
    assert source.identify(b"new") is Scope.RUNNER
    assert source.identify(b"r") is Scope.READ
    assert source.identify(b"old") is None
    assert source.identify(b"boot") is Scope.ADMIN  # inline keys stay
    assert source.identify(None) is None


def test_an_in_place_rewrite_of_the_same_size_is_seen(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("read:aaaa\n")
    source, clock = _source(keys)
    keys.write_text("read:bbbb\n")
    stat = keys.stat()
    os.utime(keys, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    clock.now += 5
    assert source.identify(b"bbbb") is Scope.READ
    assert source.identify(b"aaaa") is None


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("read:\n", "STIGMER_API_KEYS_FILE line 1: no key after the scope 'read'"),
        ("# emptied\n", "it holds no key"),
        (None, "No such file or directory"),
    ],
    ids=["malformed", "empty", "missing"],
)
def test_a_bad_new_file_keeps_the_keys_and_logs_why_without_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, new: str | None, reason: str
) -> None:
    keys = tmp_path / "keys"
    keys.write_text("runner:kept-secret\n")
    source, clock = _source(keys, inline="admin:inline-key")
    if new is None:
        keys.unlink()
    else:
        _rewrite(keys, new)
    clock.now += 5
    with caplog.at_level(logging.INFO, logger="stigmer_server.access"):
        assert source.identify(b"kept-secret") is Scope.RUNNER
        clock.now += 5
        assert source.identify(b"kept-secret") is Scope.RUNNER  # no change: no second log
    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.levelno == logging.ERROR
    assert reason in record.getMessage()
    assert "kept-secret" not in record.getMessage()
    _rewrite(keys, "runner:next\n")
    clock.now += 5
    assert source.identify(b"next") is Scope.RUNNER  # a fixed file is read again


def test_a_reload_logs_the_count_per_scope_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = tmp_path / "keys"
    keys.write_text("runner:r1\n")
    source, clock = _source(keys)
    _rewrite(keys, "runner:r2\nread:x1\nread:x2\n")
    clock.now += 5
    with caplog.at_level(logging.INFO, logger="stigmer_server.access"):
        source.keys()
    [record] = caplog.records
    assert record.getMessage() == "API keys reloaded"
    assert record.keys_by_scope == {"read": 2, "runner": 1}  # type: ignore[attr-defined]
