"""Size limits a workflow document must stay within to be loaded.

They bound the work one document can ask of a worker before it runs: parsing, schema
validation, jq compilation, and the task tree kept for the whole execution. The values live
in :mod:`stigmer_protos.limits` with every other limit (``docs/limits.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from stigmer_protos.limits import MAX_DOCUMENT_BYTES, MAX_EXPRESSION_CHARS, MAX_TASKS
from stigmer_protos.limits import MAX_TASK_DEPTH as MAX_DEPTH

if TYPE_CHECKING:
    from stigmer_dsl.loader import TaskNode


def document_problem(yaml_text: str) -> str | None:
    """A problem when the document text is larger than :data:`MAX_DOCUMENT_BYTES`."""
    size = len(yaml_text.encode())
    if size > MAX_DOCUMENT_BYTES:
        return f"the document is {size} bytes; at most {MAX_DOCUMENT_BYTES} are accepted"
    return None


def expression_problem(expr: str) -> str | None:
    """A problem when a jq expression is longer than :data:`MAX_EXPRESSION_CHARS`."""
    if len(expr) > MAX_EXPRESSION_CHARS:
        return f"expression of {len(expr)} characters; at most {MAX_EXPRESSION_CHARS} are accepted"
    return None


def tree_problems(tasks: Iterable[TaskNode]) -> list[str]:
    """Problems when the task tree has more than :data:`MAX_TASKS` tasks or nests deeper
    than :data:`MAX_DEPTH` levels."""
    count = 0
    deepest: tuple[int, str] = (0, "")
    stack = [(node, 1) for node in tasks]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > deepest[0]:
            deepest = (depth, node.pointer)
        stack.extend((child, depth + 1) for child in (*node.do, *node.branches, *node.catch_do))
    problems = []
    if count > MAX_TASKS:
        problems.append(f"/do: {count} tasks; at most {MAX_TASKS} are accepted")
    if deepest[0] > MAX_DEPTH:
        problems.append(
            f"{deepest[1]}: nested {deepest[0]} levels deep; at most {MAX_DEPTH} are accepted"
        )
    return problems
