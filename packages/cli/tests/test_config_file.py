"""The config file: where it is, what it may hold, how it is written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from stigmer_cli.config_file import (
    CliConfig,
    Context,
    config_path,
    load_config,
    save_config,
)
from stigmer_cli.errors import UsageError


def test_path_from_stigmer_config_then_xdg_then_home(tmp_path: Path) -> None:
    assert config_path({"STIGMER_CONFIG": "/x/c.yaml", "XDG_CONFIG_HOME": "/xdg"}) == Path(
        "/x/c.yaml"
    )
    assert config_path({"XDG_CONFIG_HOME": "/xdg"}) == Path("/xdg/stigmer/config.yaml")
    home = Path.home() / ".config" / "stigmer" / "config.yaml"
    assert config_path({}) == home
    assert config_path({"XDG_CONFIG_HOME": "relative"}) == home  # XDG: relative is ignored


def test_a_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.yaml") == CliConfig(tmp_path / "absent.yaml")


def test_round_trip_is_private_and_paths_are_absolute(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "config.yaml"
    config = CliConfig(
        path,
        (
            Context(name="a", endpoint="a:1", api_key="inline-key", tls=True),
            Context(name="b", endpoint="b:1", api_key_file="/keys/b", ca="/ca.pem"),
        ),
        current_context="b",
    )
    save_config(config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path) == config


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("contexts:\n- name: a\n  api-key-file: keys/a\n  ca: ~/ca.pem\n")
    context = load_config(path).context("a")
    assert context.api_key_file == str(tmp_path / "keys" / "a")
    assert context.ca == str(Path.home() / "ca.pem")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_an_inline_key_in_a_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("contexts:\n- name: a\n  api-key: inline-key\n")
    path.chmod(mode)
    with pytest.raises(UsageError, match="chmod 600") as refused:
        load_config(path)
    assert "inline-key" not in refused.value.message
    path.chmod(0o600)
    assert load_config(path).context("a").api_key == "inline-key"


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_key_file_reference_in_a_readable_file_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("contexts:\n- name: a\n  api-key-file: /keys/a\n")
    path.chmod(0o644)
    assert load_config(path).context("a").api_key_file == "/keys/a"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- a\n", "expected a mapping"),
        ("contexts: {}\n", "contexts must be a list"),
        ("colour: blue\n", "unknown key 'colour'"),
        ("contexts:\n- endpoint: a:1\n", "'name' must be a non-empty string"),
        ("contexts:\n- name: a\n  token: x\n", r"\(a\): unknown key 'token'"),
        ("contexts:\n- name: a\n  tls: 'yes'\n", "tls must be a bool"),
        ("contexts:\n- name: a\n  endpoint: 7234\n", "endpoint must be a str"),
        ("contexts:\n- name: a\n- name: a\n", "context 'a' is defined twice"),
        ("contexts:\n- name: a\n  cert: /c\n", "cert and key go together"),
        (
            "contexts:\n- name: a\n  api-key: k\n  api-key-file: /f\n",
            "api-key or api-key-file, not both",
        ),
        ("contexts: [\n", "not valid YAML"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(UsageError, match=problem) as refused:
        load_config(path)
    assert str(path) in refused.value.message
    assert "\n" not in refused.value.message


def test_the_redacted_view_hides_only_the_key() -> None:
    context = Context(name="a", endpoint="a:1", api_key="inline-key", api_key_file=None)
    assert context.to_yaml(redact=True) == {
        "name": "a",
        "endpoint": "a:1",
        "api-key": "<redacted>",
    }
