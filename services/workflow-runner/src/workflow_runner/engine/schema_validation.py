"""JSON schema validation: the DSL document schema and the document's own data schemas."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from temporalio import workflow

from workflow_runner.engine.errors import make_error
from workflow_runner.engine.yaml_io import parse_yaml

with workflow.unsafe.imports_passed_through():
    import jsonschema_rs

_MAX_SCHEMA_PROBLEMS = 8


@functools.cache
def dsl_validator() -> Any:
    """Return the compiled DSL 1.0.3 workflow schema validator (compiled once per process)."""
    text = resources.files("workflow_runner.engine.schema").joinpath("workflow.yaml").read_text()
    return jsonschema_rs.validator_for(parse_yaml(text))


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def dsl_schema_problems(document: Any) -> list[str]:
    """Return readable schema violations of a parsed workflow document (empty when valid)."""
    validator = dsl_validator()
    problems: list[str] = []
    for error in validator.iter_errors(document):
        message = str(error.message)
        if len(message) > 300:
            message = message[:300] + "..."
        problems.append(f"{_pointer(error.instance_path)}: schema: {message}")
        if len(problems) >= _MAX_SCHEMA_PROBLEMS:
            problems.append("(further schema problems omitted)")
            break
    return problems


@functools.lru_cache(maxsize=512)
def _data_validator(schema_json: str) -> Any:
    return jsonschema_rs.validator_for(json.loads(schema_json))


def data_schema_problem(schema_document: Any) -> str | None:
    """Return why an inline data schema cannot be compiled, or None when it compiles."""
    try:
        _data_validator(json.dumps(schema_document, sort_keys=True))
    except Exception as exc:  # jsonschema_rs raises several exception types for bad schemas
        return f"invalid JSON schema: {exc}"
    return None


def validate_data(schema: dict[str, Any], value: Any, what: str) -> None:
    """Validate ``value`` against a DSL ``schema`` object (inline ``document`` form).

    Raises:
        WorkflowError: A validation error (``.../errors/validation``, status 400).
    """
    validator = _data_validator(json.dumps(schema["document"], sort_keys=True))
    errors = list(validator.iter_errors(value))
    if errors:
        details = "; ".join(f"{_pointer(e.instance_path)}: {e.message}" for e in errors[:5])
        raise make_error(
            "validation",
            f"{what} failed JSON schema validation: {details}",
            title="JSON schema validation failed",
        )
