"""YAML reading and writing for DSL documents.

Reading follows YAML 1.2 scalars where PyYAML's 1.1 defaults would corrupt a workflow:
only ``true``/``false`` are booleans (so ``schedule.on`` stays a key) and dates stay
strings (a ``Struct`` cannot hold them). Writing keeps key order and always quotes
``${ ... }`` runtime expressions, so text such as ``${ . + {a: 1} }`` survives.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no timestamp resolution."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


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
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects


def dump_yaml(data: Any) -> str:
    """Write ``data`` as block-style YAML, keeping key order and quoting ``${ }``."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
