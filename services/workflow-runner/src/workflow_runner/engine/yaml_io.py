"""YAML parsing with YAML 1.2 booleans (only true/false), so keys like ``on:`` stay strings."""

from __future__ import annotations

import re
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import yaml


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader whose bool resolver follows YAML 1.2 (``on``/``yes``/``off`` are strings)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def parse_yaml(text: str) -> Any:
    """Parse one YAML (or JSON) document.

    Raises:
        yaml.YAMLError: The text is not valid YAML.
    """
    return yaml.load(text, Loader=_Yaml12Loader)
