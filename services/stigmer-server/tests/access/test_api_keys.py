"""Parsing of ``<scope>:<key>`` entries and the key settings read at start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from stigmer_server.access.api_keys import (
    MAX_KEY_FILE_BYTES,
    ApiKey,
    ApiKeyError,
    Scope,
    inline_entries,
    load_settings,
    parse_entries,
)
from stigmer_server.config import Config, ConfigError


def _parse(*entries: str) -> tuple[ApiKey, ...]:
    return parse_entries((f"entry {n}", e) for n, e in enumerate(entries, start=1))


def test_a_scope_prefix_names_the_scope_and_is_not_part_of_the_key() -> None:
    assert _parse("admin:a1", "write:w1", "read:r1", "runner:x:y") == (
        ApiKey(Scope.ADMIN, b"a1"),
        ApiKey(Scope.WRITE, b"w1"),
        ApiKey(Scope.READ, b"r1"),
        ApiKey(Scope.RUNNER, b"x:y"),
    )


@pytest.mark.parametrize("entry", ["plain-key", "Runner:k", "other:k", "https://x", ":k"])
def test_an_entry_without_a_known_scope_is_an_admin_key_prefix_included(entry: str) -> None:
    assert _parse(entry) == (ApiKey(Scope.ADMIN, entry.encode()),)


def test_a_word_prefix_that_is_no_scope_is_warned_about_without_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        _parse("Runner:s3cret-value", "no-prefix-key")
    assert [r.getMessage() for r in caplog.records] == [
        "entry 1 starts with an unknown scope: it is an admin key, prefix included "
        "(scopes: admin, write, read, runner)"
    ]


def test_blank_entries_and_comments_are_skipped_and_repeats_kept_once() -> None:
    assert _parse("", "  # rotated 2026-11", "read:k", " read:k ") == (ApiKey(Scope.READ, b"k"),)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("runner:", "no key after the scope 'runner'"),
        ("read:two words", "printable ASCII without spaces"),
        ("caf\u00e9", "printable ASCII without spaces"),
    ],
)
def test_malformed_entries_are_named_by_position_never_by_value(entry: str, problem: str) -> None:
    with pytest.raises(ApiKeyError) as err:
        _parse("admin:ok", entry)
    assert str(err.value).startswith("entry 2: ")
    assert problem in str(err.value)
    assert "words" not in str(err.value) and "caf" not in str(err.value)


def test_one_key_with_two_scopes_is_refused() -> None:
    with pytest.raises(ApiKeyError, match="entry 2: this key is also listed with scope 'read'"):
        _parse("read:same", "runner:same")


def test_inline_entries_are_numbered() -> None:
    assert inline_entries("a, b") == [
        ("STIGMER_API_KEYS entry 1", "a"),
        ("STIGMER_API_KEYS entry 2", " b"),
    ]


def test_keys_come_from_the_variable_and_the_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# rotated 2026-11\nrunner:file-key\n\n")
    config = Config.from_env(
        {
            "STIGMER_API_KEYS": "a, read:b",
            "STIGMER_API_KEYS_FILE": str(keys_file),
            "STIGMER_API_KEYS_RELOAD_SECONDS": "0.5",
        }
    )
    settings = config.api_keys
    assert settings.inline == (ApiKey(Scope.ADMIN, b"a"), ApiKey(Scope.READ, b"b"))
    assert settings.file_keys == (ApiKey(Scope.RUNNER, b"file-key"),)
    assert settings.file == str(keys_file) and settings.reload_seconds == 0.5
    assert settings.enabled
    assert "file-key" not in repr(config) and "file-key" not in repr(settings)
    assert not Config.from_env({}).api_keys.enabled


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STIGMER_API_KEYS_FILE": "/nonexistent/keys"}, "STIGMER_API_KEYS_FILE"),
        ({"STIGMER_API_KEYS": "read:"}, "STIGMER_API_KEYS entry 1: no key"),
        ({"STIGMER_API_KEYS": "k", "STIGMER_API_KEYS_RELOAD_SECONDS": "0"}, "must be positive"),
    ],
)
def test_bad_settings_stop_the_server_at_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_a_key_file_without_keys_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "keys"
    empty.write_text("# nothing yet\n")
    for inline in ("", "admin:k"):
        with pytest.raises(ConfigError, match="STIGMER_API_KEYS_FILE holds no key"):
            Config.from_env({"STIGMER_API_KEYS": inline, "STIGMER_API_KEYS_FILE": str(empty)})
    assert load_settings("admin:k", "", 5).enabled


def test_a_key_in_the_file_and_the_variable_with_other_scopes_is_refused(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("runner:k\n")
    with pytest.raises(ConfigError, match="also in STIGMER_API_KEYS with scope 'read'"):
        Config.from_env({"STIGMER_API_KEYS": "read:k", "STIGMER_API_KEYS_FILE": str(keys_file)})


def test_a_huge_key_file_is_refused(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_bytes(b"k" * (MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(ConfigError, match="larger than"):
        Config.from_env({"STIGMER_API_KEYS_FILE": str(keys_file)})
