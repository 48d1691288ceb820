"""Proto (``WorkflowSpec``) -> Serverless Workflow DSL 1.0 document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

from stigmer_dsl.converter.kinds import (
    COMMON_FIELDS,
    KindSpec,
    spec_for_dsl_task,
    spec_for_kind,
)
from stigmer_dsl.converter.paths import describe, map_task_list
from stigmer_dsl.converter.task_json import is_task_json, task_from_json
from stigmer_dsl.converter.values import struct_to_dict, value_to_py
from stigmer_dsl.converter.yaml_io import dump_yaml
from stigmer_dsl.errors import ConversionError

#: Used when a spec leaves ``document.dsl`` empty.
DEFAULT_DSL_VERSION = "1.0.0"


def workflow_to_dsl(spec: wf.WorkflowSpec) -> dict[str, Any]:
    """Convert a ``WorkflowSpec`` to a DSL 1.0 document (a plain dict).

    Keys come in a readable order: ``document``, ``use``, ``schedule``, ``timeout``,
    ``input``, ``do``, ``output``, ``evaluate``.

    Args:
        spec: The workflow spec, with canonical or Stigmer typed task configs.

    Returns:
        The DSL document.

    Raises:
        ConversionError: A task or the document cannot be converted; the message names
            the task path and the field.
    """
    result: dict[str, Any] = {"document": _document(spec)}
    use = struct_to_dict(spec.use)
    if use is not None:
        result["use"] = use
    schedule = struct_to_dict(spec.schedule)
    if schedule is not None:
        result["schedule"] = schedule
    if spec.timeout is not None:
        result["timeout"] = value_to_py(spec.timeout)
    workflow_input = struct_to_dict(spec.input)
    if workflow_input is not None:
        result["input"] = workflow_input
    result["do"] = [
        _named(task, describe(f"tasks[{index}]", task.name, task.kind))
        for index, task in enumerate(spec.tasks)
    ]
    output = struct_to_dict(spec.output)
    if output is not None:
        result["output"] = output
    evaluate = struct_to_dict(spec.evaluate)
    if evaluate is not None:
        result["evaluate"] = evaluate
    return result


def workflow_to_yaml(spec: wf.WorkflowSpec) -> str:
    """Convert a ``WorkflowSpec`` to DSL 1.0 YAML text (see :func:`workflow_to_dsl`).

    Raises:
        ConversionError: The spec cannot be converted.
    """
    return dump_yaml(workflow_to_dsl(spec))


def task_to_dsl(task: wf.WorkflowTask, where: str = "task") -> dict[str, Any]:
    """Convert one ``WorkflowTask`` to a DSL task object (the value under its name).

    Args:
        task: The task.
        where: Its path, for error messages.

    Raises:
        ConversionError: The task cannot be converted.
    """
    if not task.name:
        raise ConversionError(where, "name", "required")
    spec = spec_for_kind(task.kind)
    if spec is None:
        raise ConversionError(where, "kind", "required (a known WorkflowTaskKind)")
    config = struct_to_dict(task.task_config) or {}
    body, defaults = _canonical_body(spec, config, where)
    for path in spec.task_lists:
        body = map_task_list(body, path, lambda items, field: _tasks_to_dsl(items, where, field))
    common = _common_fields(task, where)
    for key, value in defaults.items():
        common.setdefault(key, value)
    for key in COMMON_FIELDS:
        if key not in body:
            continue
        # Tolerated: a whole DSL task object put in task_config.
        value = body.pop(key)
        if key in common and common[key] != value:
            raise ConversionError(where, f"task_config.{key}", "conflicts with the task field")
        common[key] = value
    ordered: dict[str, Any] = {}
    for key in ("if", "input"):
        if key in common:
            ordered[key] = common[key]
    ordered.update(body)
    for key in ("output", "export", "timeout", "metadata", "then"):
        if key in common:
            ordered[key] = common[key]
    return ordered


def _named(task: wf.WorkflowTask, where: str) -> dict[str, Any]:
    return {task.name: task_to_dsl(task, where)}


def _canonical_body(
    spec: KindSpec, config: dict[str, Any], where: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The DSL body for ``config``, whether canonical, lenient or Stigmer typed."""
    if spec.key in config:
        if spec.key == "call":
            _check_call(spec, config["call"], where)
        return dict(config), {}
    if spec.key == "call" and "with" in config and spec.call is not None:
        # Accepted short form (see the enum comments): `with` only, `call` implied by kind.
        return {"call": spec.call, **config}, {}
    typed = spec.typed(config, where) if spec.typed is not None else None
    if typed is not None:
        return dict(typed.body), dict(typed.defaults)
    if spec.key == "emit" and "event" in config:
        # Accepted short form: the body of `emit`.
        return {"emit": config}, {}
    raise ConversionError(where, f"task_config.{spec.key}", "required")


def _check_call(spec: KindSpec, call: Any, where: str) -> None:
    if not isinstance(call, str) or not call:
        raise ConversionError(where, "task_config.call", "must be a non-empty string")
    if spec.call is None:
        builtin = spec_for_dsl_task({"call": call})
        if builtin is not None and builtin.call is not None:
            raise ConversionError(
                where, "task_config.call", f"{call!r} is a built-in call: use kind {builtin.label}"
            )
    elif call != spec.call:
        raise ConversionError(
            where, "task_config.call", f"must be {spec.call!r} for kind {spec.label}, got {call!r}"
        )


def _tasks_to_dsl(items: Sequence[Any], where: str, field: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        prefix = f"{where} > task_config.{field}[{index}]"
        if is_task_json(item):
            task = task_from_json(item, prefix)
            result.append(_named(task, describe(prefix, task.name, task.kind)))
        elif (
            isinstance(item, Mapping)
            and len(item) == 1
            and isinstance(next(iter(item.values())), Mapping)
        ):
            # Tolerated: a nested task already written in DSL form.
            result.append(dict(item))
        else:
            raise ConversionError(prefix, "", "must be a WorkflowTask object {name, kind, ...}")
    return result


def _common_fields(task: wf.WorkflowTask, where: str) -> dict[str, Any]:
    common: dict[str, Any] = {}
    if task.condition:
        common["if"] = task.condition
    for key in ("input", "output", "metadata"):
        value = struct_to_dict(getattr(task, key))
        if value is not None:
            common[key] = value
    if task.timeout is not None:
        common["timeout"] = value_to_py(task.timeout)
    if task.export is not None:
        export: dict[str, Any] = {}
        if task.export.as_value is not None:
            if task.export.as_:
                raise ConversionError(where, "export", "set either as or as_value, not both")
            export["as"] = value_to_py(task.export.as_value)
        elif task.export.as_:
            export["as"] = task.export.as_
        schema = struct_to_dict(task.export.schema)
        if schema is not None:
            export["schema"] = schema
        common["export"] = export
    if task.flow is not None and task.flow.then:
        common["then"] = task.flow.then
    return common


def _document(spec: wf.WorkflowSpec) -> dict[str, Any]:
    document = spec.document or wf.WorkflowDocument()
    result: dict[str, Any] = {"dsl": document.dsl or DEFAULT_DSL_VERSION}
    for key in ("namespace", "name", "version"):
        value = getattr(document, key)
        if not value:
            raise ConversionError("document", key, "required")
        result[key] = value
    if document.title:
        result["title"] = document.title
    # The DSL document has no `description`; Stigmer's description becomes the summary.
    summary = document.summary or document.description or spec.description
    if summary:
        result["summary"] = summary
    if document.tags:
        result["tags"] = dict(document.tags)
    metadata = struct_to_dict(document.metadata)
    if metadata is not None:
        result["metadata"] = metadata
    return result
