"""The one YAML loader bounds aliases before building any value."""

from __future__ import annotations

import pytest
from stigmer_dsl.yaml_io import YamlLimitError, parse_yaml
from stigmer_protos.limits import MAX_YAML_ALIAS_NODES, MAX_YAML_ALIASES


def laughs(levels: int, width: int = 9) -> str:
    """A "billion laughs" document: each level lists ``width`` aliases of the previous one."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_naming_the_limit() -> None:
    with pytest.raises(YamlLimitError, match=f"expand to more than {MAX_YAML_ALIAS_NODES} nodes"):
        parse_yaml(laughs(9))


def test_a_bomb_written_in_flow_style_is_refused() -> None:
    flow = "{" + ", ".join(laughs(9).splitlines()) + "}"
    with pytest.raises(YamlLimitError, match="expand to more than"):
        parse_yaml(flow)


def test_too_many_aliases_are_refused() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    with pytest.raises(YamlLimitError, match=f"more than {MAX_YAML_ALIASES} YAML aliases"):
        parse_yaml(text)


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(YamlLimitError, match="contains it"):
        parse_yaml("a: &a [1, *a]\n")


def test_modest_aliases_and_merge_keys_still_load() -> None:
    text = "base: &base {retries: 3}\none: {<<: *base, name: one}\ntwo: *base\n"
    assert parse_yaml(text) == {
        "base": {"retries": 3},
        "one": {"retries": 3, "name": "one"},
        "two": {"retries": 3},
    }
    assert parse_yaml(laughs(2, width=3))["l2"] == [[["lol"] * 3] * 3] * 3


def test_yaml_12_scalars_are_kept() -> None:
    assert parse_yaml("on: yes\nat: 2024-01-01\nok: true\n") == {
        "on": "yes",
        "at": "2024-01-01",
        "ok": True,
    }
    assert parse_yaml("") is None
