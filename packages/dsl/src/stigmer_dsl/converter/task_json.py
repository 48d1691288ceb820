"""``WorkflowTask`` <-> proto3 JSON objects, the encoding of nested task lists.

Nested task lists inside ``task_config`` (``for.do``, ``try.try``...) hold one JSON object
per task, exactly as ``protojson`` writes a ``WorkflowTask`` (``{"name", "kind",
"taskConfig", "export", "flow", ...}``, kind as its enum name). This is also what Stigmer
clients send inside their typed configs (``ForTaskConfig.do`` is ``repeated WorkflowTask``).
Reading accepts both the lowerCamelCase and the original snake_case field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

from stigmer_dsl.converter.kinds import kind_name, parse_kind
from stigmer_dsl.converter.values import normalize, to_struct, to_value
from stigmer_dsl.errors import ConversionError
from stigmer_dsl.kinds import KIND_PREFIX

_TASK_FIELDS = {
    "name": "name",
    "kind": "kind",
    "taskConfig": "task_config",
    "task_config": "task_config",
    "export": "export",
    "flow": "flow",
    "condition": "condition",
    "input": "input",
    "output": "output",
    "timeout": "timeout",
    "metadata": "metadata",
}


def is_task_json(item: Any) -> bool:
    """Whether ``item`` looks like a ``WorkflowTask`` JSON object rather than a DSL item.

    A DSL task-list item is a single-key mapping ``{name: task}``; a ``WorkflowTask``
    object always carries ``name`` (a string) and ``kind`` or ``taskConfig``.
    """
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("name"), str)
        and any(key in item for key in ("kind", "taskConfig", "task_config"))
    )


def task_to_json(task: wf.WorkflowTask) -> dict[str, Any]:
    """Encode a ``WorkflowTask`` as its proto3 JSON object."""
    result = normalize(task.to_dict())
    assert isinstance(result, dict)
    if "kind" not in result:
        result["kind"] = f"{KIND_PREFIX}UNSPECIFIED"
    return result


def task_from_json(item: Mapping[str, Any], path: str) -> wf.WorkflowTask:
    """Decode a ``WorkflowTask`` JSON object (strict about unknown fields, like protojson).

    Args:
        item: The JSON object.
        path: Where it is, for error messages.

    Raises:
        ConversionError: A field is unknown or has the wrong type.
    """
    fields: dict[str, Any] = {}
    for key, value in item.items():
        target = _TASK_FIELDS.get(key)
        if target is None:
            raise ConversionError(path, str(key), "unknown WorkflowTask field")
        fields[target] = value
    name = fields.get("name")
    if not isinstance(name, str) or not name:
        raise ConversionError(path, "name", "required")
    kind = parse_kind(fields.get("kind", 0))
    if kind is None:
        raise ConversionError(path, "kind", f"unknown task kind {fields.get('kind')!r}")
    where = f"{path} '{name}' ({kind_name(kind)})"
    task = wf.WorkflowTask(name=name, kind=kind)
    if "task_config" in fields:
        task.task_config = to_struct(fields["task_config"], where, "task_config")
    if "condition" in fields:
        task.condition = _string(fields["condition"], where, "condition")
    for field in ("input", "output", "metadata"):
        if field in fields:
            setattr(task, field, to_struct(fields[field], where, field))
    if "timeout" in fields:
        task.timeout = to_value(fields["timeout"], where, "timeout")
    if "flow" in fields:
        flow = _mapping(fields["flow"], where, "flow")
        task.flow = wf.FlowControl(then=_string(flow.get("then", ""), where, "flow.then"))
    if "export" in fields:
        task.export = _export_from_json(_mapping(fields["export"], where, "export"), where)
    return task


def _export_from_json(export: Mapping[str, Any], where: str) -> wf.Export:
    result = wf.Export()
    for key, value in export.items():
        if key == "as":
            result.as_ = _string(value, where, "export.as")
        elif key in ("asValue", "as_value"):
            result.as_value = to_value(value, where, "export.asValue")
        elif key == "schema":
            result.schema = to_struct(value, where, "export.schema")
        else:
            raise ConversionError(where, f"export.{key}", "unknown Export field")
    return result


def _mapping(value: Any, where: str, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConversionError(where, field, "must be an object")
    return value


def _string(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str):
        raise ConversionError(where, field, "must be a string")
    return value
