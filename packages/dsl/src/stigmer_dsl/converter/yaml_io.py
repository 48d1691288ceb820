"""YAML reading and writing for DSL documents.

Reading is the engine's YAML 1.2 loader (``engine.yaml_io``). Writing keeps key order and
always quotes ``${ ... }`` runtime expressions, so text such as ``${ . + {a: 1} }`` survives.
"""

from __future__ import annotations

from typing import Any

import yaml

from stigmer_dsl.yaml_io import parse_yaml


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes runtime expressions and writes multi-line text as blocks."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if "${" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _represent_str)


def load_yaml(text: str) -> Any:
    """Parse one YAML (or JSON) document with YAML 1.2 booleans and string dates.

    Raises:
        yaml.YAMLError: The text is not valid YAML.
    """
    return parse_yaml(text)


def dump_yaml(data: Any) -> str:
    """Write ``data`` as block-style YAML, keeping key order and quoting ``${ }``."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
