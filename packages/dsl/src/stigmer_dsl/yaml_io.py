"""Reading DSL documents: YAML 1.2 scalars, with libyaml's C parser when available.

PyYAML's YAML 1.1 defaults would corrupt a workflow: only ``true``/``false`` are booleans
here (so ``schedule.on`` stays a key) and dates stay strings (a ``Struct`` cannot hold them).
This is the one loader of the project: the converter, the CLI and remote OpenAPI/AsyncAPI
documents read with it too. The C parser makes loading a 200-task document about 10x faster,
and documents are loaded on every run.

Aliases are bounded before any value is built: PyYAML shares an aliased node, but every
consumer (a ``Struct``, JSON, the schema validator) copies it, so a few hundred bytes of
nested aliases ("billion laughs") became gigabytes downstream.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from stigmer_protos.limits import MAX_YAML_ALIAS_NODES, MAX_YAML_ALIASES

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Yaml12Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader (no arbitrary objects) with YAML 1.2 booleans and no timestamp resolution."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class YamlLimitError(yaml.YAMLError):
    """A YAML document whose aliases exceed the limits of :mod:`stigmer_protos.limits`."""


def parse_yaml(text: str) -> Any:
    """Parse one YAML (or JSON) document, its aliases bounded.

    Raises:
        YamlLimitError: More than ``MAX_YAML_ALIASES`` aliases, aliases that expand to more
            than ``MAX_YAML_ALIAS_NODES`` nodes, or an alias inside its own anchor.
        yaml.YAMLError: The text is not valid YAML.
    """
    loader = Yaml12Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_aliases(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_aliases(root: yaml.Node) -> None:
    """Refuse a composed document whose aliases would expand beyond the limits.

    The composer returns the anchored node itself for each alias, so a node reached a second
    time is an alias; its expanded size (memoised, so the walk is linear in the text) is what
    a copy would cost.

    Raises:
        YamlLimitError: See :func:`parse_yaml`.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    aliases = 0
    copied = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in open_nodes:
            raise YamlLimitError("a YAML alias refers to a node that contains it")
        if key in sizes:
            aliases += 1
            copied += sizes[key]
            if aliases > MAX_YAML_ALIASES:
                raise YamlLimitError(f"more than {MAX_YAML_ALIASES} YAML aliases")
            if copied > MAX_YAML_ALIAS_NODES:
                raise YamlLimitError(
                    f"YAML aliases expand to more than {MAX_YAML_ALIAS_NODES} nodes"
                )
            continue
        open_nodes.add(key)
        sizes[key] = 0
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []
