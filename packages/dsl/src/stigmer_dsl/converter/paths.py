"""Helpers shared by both directions: task paths and nested task-list access."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stigmer_protos.ai.stigmer.commons.apiresource import WorkflowTaskKind

from stigmer_dsl.converter.kinds import kind_name


def describe(prefix: str, name: str, kind: WorkflowTaskKind | None = None) -> str:
    """A task's location for error messages: ``tasks[2] 'fetch' (HTTP_CALL)``."""
    label = f"{prefix} '{name}'"
    return f"{label} ({kind_name(kind)})" if kind is not None else label


def map_task_list(
    body: dict[str, Any],
    path: tuple[str, ...],
    convert: Callable[[list[Any], str], list[Any]],
) -> dict[str, Any]:
    """Return a copy of ``body`` with the list at ``path`` replaced by ``convert(list, dotted)``.

    Missing or non-list values at ``path`` are left alone (schema validation reports them).
    Containers along the path are copied, so ``body`` itself is not modified.
    """
    head, *rest = path
    if head not in body:
        return body
    copy = dict(body)
    value = body[head]
    if rest:
        if isinstance(value, Mapping):
            copy[head] = map_task_list(dict(value), tuple(rest), convert)
    elif isinstance(value, list):
        copy[head] = convert(value, ".".join(path))
    return copy
