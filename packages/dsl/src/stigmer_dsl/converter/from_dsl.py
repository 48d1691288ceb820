"""Serverless Workflow DSL 1.0 document -> proto (``WorkflowSpec``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.dsl_version import dsl_version_problem

from stigmer_dsl.converter.kinds import COMMON_FIELDS, spec_for_dsl_task
from stigmer_dsl.converter.paths import describe, map_task_list
from stigmer_dsl.converter.task_json import task_to_json
from stigmer_dsl.converter.values import to_struct, to_value
from stigmer_dsl.converter.yaml_io import load_yaml
from stigmer_dsl.errors import ConversionError

_TOP_LEVEL = ("document", "input", "use", "do", "timeout", "output", "schedule", "evaluate")
_DOCUMENT = ("dsl", "namespace", "name", "version", "title", "summary", "tags", "metadata")


def dsl_to_workflow_spec(doc: Mapping[str, Any] | str) -> wf.WorkflowSpec:
    """Convert a DSL 1.0 document (YAML/JSON text or parsed) to a ``WorkflowSpec``.

    Every task becomes a ``WorkflowTask`` whose ``task_config`` is the canonical form:
    the DSL task object without its common fields, nested task lists encoded as
    ``WorkflowTask`` JSON objects (see ``docs/adr/0004-proto-dsl-mapping.md``).

    Args:
        doc: The document, as text or as the parsed mapping.

    Returns:
        The workflow spec.

    Raises:
        ConversionError: The document is not a DSL workflow the proto can carry.
    """
    if isinstance(doc, str):
        try:
            doc = load_yaml(doc)
        except yaml.YAMLError as exc:
            raise ConversionError("workflow", "", f"invalid YAML: {exc}") from exc
    if not isinstance(doc, Mapping):
        raise ConversionError("workflow", "", "must be an object with document and do")
    for key in doc:
        if key not in _TOP_LEVEL:
            raise ConversionError("workflow", str(key), "unknown top-level field")
    spec = wf.WorkflowSpec(document=_document(doc.get("document")))
    if "do" not in doc:
        raise ConversionError("workflow", "do", "required")
    spec.tasks = dsl_tasks_to_proto(doc["do"], "do")
    for key in ("input", "output", "use", "schedule", "evaluate"):
        if key in doc:
            setattr(spec, key, to_struct(doc[key], "workflow", key))
    if "timeout" in doc:
        spec.timeout = to_value(doc["timeout"], "workflow", "timeout")
    return spec


def dsl_tasks_to_proto(items: Any, where: str) -> list[wf.WorkflowTask]:
    """Convert a DSL task list (``[{name: task}, ...]``) to ``WorkflowTask`` messages.

    Raises:
        ConversionError: An item is not a single named task, or a task cannot be converted.
    """
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ConversionError(where, "", "must be a list of tasks")
    tasks: list[wf.WorkflowTask] = []
    for index, item in enumerate(items):
        prefix = f"{where}[{index}]"
        if not isinstance(item, Mapping) or len(item) != 1:
            raise ConversionError(prefix, "", "must be a single-key mapping {name: task}")
        ((name, body),) = item.items()
        tasks.append(dsl_task_to_proto(str(name), body, describe(prefix, str(name))))
    return tasks


def dsl_task_to_proto(name: str, task: Any, where: str) -> wf.WorkflowTask:
    """Convert one DSL task object to a ``WorkflowTask``.

    Args:
        name: The task name (its key in the task list).
        task: The DSL task object.
        where: Its path, for error messages.

    Raises:
        ConversionError: The task has no known type or a field of the wrong type.
    """
    if not isinstance(task, Mapping):
        raise ConversionError(where, "", "a task must be an object")
    spec = spec_for_dsl_task(task)
    if spec is None:
        raise ConversionError(where, "", "no task type (call, do, emit, for, fork, ...)")
    where = f"{where} ({spec.label})"
    body = {key: value for key, value in task.items() if key not in COMMON_FIELDS}
    for path in spec.task_lists:
        body = map_task_list(
            body,
            path,
            lambda items, field: [
                task_to_json(t) for t in dsl_tasks_to_proto(items, f"{where} > {field}")
            ],
        )
    result = wf.WorkflowTask(name=name, kind=spec.kind, task_config=to_struct(body, where, "body"))
    if "if" in task:
        if not isinstance(task["if"], str):
            raise ConversionError(where, "if", "must be a string (a runtime expression)")
        result.condition = task["if"]
    for key in ("input", "output", "metadata"):
        if key in task:
            setattr(result, key, to_struct(task[key], where, key))
    if "timeout" in task:
        result.timeout = to_value(task["timeout"], where, "timeout")
    if "then" in task:
        if not isinstance(task["then"], str):
            raise ConversionError(where, "then", "must be a string")
        result.flow = wf.FlowControl(then=task["then"])
    if "export" in task:
        result.export = _export(task["export"], where)
    return result


def _export(export: Any, where: str) -> wf.Export:
    if not isinstance(export, Mapping):
        raise ConversionError(where, "export", "must be an object")
    result = wf.Export()
    for key, value in export.items():
        if key == "as":
            if isinstance(value, str):
                result.as_ = value
            else:
                result.as_value = to_value(value, where, "export.as")
        elif key == "schema":
            result.schema = to_struct(value, where, "export.schema")
        else:
            raise ConversionError(where, f"export.{key}", "unknown field")
    return result


def _document(document: Any) -> wf.WorkflowDocument:
    if not isinstance(document, Mapping):
        raise ConversionError("document", "", "required (an object)")
    result = wf.WorkflowDocument()
    for key, value in document.items():
        if key not in _DOCUMENT:
            raise ConversionError("document", str(key), "unknown field")
        if key == "tags":
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise ConversionError("document", "tags", "must map strings to strings")
            result.tags = dict(value)
        elif key == "metadata":
            result.metadata = to_struct(value, "document", "metadata")
        else:
            if not isinstance(value, str):
                raise ConversionError("document", key, "must be a string")
            if key == "dsl" and (problem := dsl_version_problem(value)):
                raise ConversionError("document", key, problem)
            setattr(result, key, value)
    return result
