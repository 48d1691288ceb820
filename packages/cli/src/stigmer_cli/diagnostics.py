"""Workflow checks (schema + engine) reported with line numbers of the source file."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_POINTER = re.compile(r"^(/[^:\s]*): (.*)$", re.DOTALL)
_YAML_MARK = re.compile(r"line (\d+), column (\d+)")


@dataclass(frozen=True)
class Problem:
    """One problem of a workflow document.

    Attributes:
        line: 1-based line in the file, when known.
        pointer: JSON pointer of the offending node (``/do/0/greet``), or empty.
        message: What is wrong.
    """

    line: int | None
    pointer: str
    message: str

    def render(self, filename: str) -> str:
        """``file:line: /pointer: message``, the usual compiler-style location."""
        where = f"{filename}:{self.line}" if self.line else filename
        what = f"{self.pointer}: {self.message}" if self.pointer else self.message
        return f"{where}: {what}"


def check_dsl(text: str) -> list[Problem]:
    """Validate a DSL document as the engine will (schema, support, expressions).

    Returns:
        Every problem found, located; empty when the workflow can run.
    """
    # The engine is a heavy import; commands that do not read workflows should not pay for it.
    from stigmer_dsl import DefinitionError, load_workflow

    try:
        load_workflow(text)
    except DefinitionError as err:
        return [_locate(text, raw) for raw in err.problems]
    return []


def _locate(text: str, raw: str) -> Problem:
    match = _POINTER.match(raw)
    if match is None:
        mark = _YAML_MARK.search(raw)
        line = int(mark.group(1)) if mark else None
        return Problem(line=line, pointer="", message=" ".join(raw.split()))
    pointer, message = match.group(1), match.group(2)
    return Problem(line=line_of(text, pointer), pointer=pointer, message=" ".join(message.split()))


def line_of(text: str, pointer: str) -> int | None:
    """The 1-based line of the node at JSON ``pointer`` in a YAML text, or of its nearest parent.

    For a mapping key the line of the key is returned (where an editor should jump).
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for token in (t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == token:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif (
            isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value)
        ):
            node = node.value[int(token)]
            line = node.start_mark.line + 1
        else:
            return line
    return line
