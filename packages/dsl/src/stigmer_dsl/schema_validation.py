"""JSON schema validation: the DSL document schema and the document's own data schemas."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema_rs

from stigmer_dsl.authoring import TaskVocabulary, explain_schema_errors, task_vocabulary
from stigmer_dsl.errors import make_error
from stigmer_dsl.pointers import escape_pointer_token
from stigmer_dsl.yaml_io import parse_yaml

_MAX_SCHEMA_PROBLEMS = 8
# Raw errors read before the typo hints condense them (one typo yields two or three).
_MAX_RAW_ERRORS = 64


@functools.cache
def dsl_schema() -> Any:
    text = resources.files("stigmer_dsl.schema").joinpath("workflow.yaml").read_text()
    return parse_yaml(text)


@functools.cache
def dsl_validator() -> Any:
    """Return the compiled DSL 1.0.3 workflow schema validator (compiled once per process)."""
    return jsonschema_rs.validator_for(dsl_schema())


@functools.cache
def _task_vocabulary() -> TaskVocabulary:
    return task_vocabulary(dsl_schema())


def _pointer(path: Any) -> str:
    return "/" + "/".join(escape_pointer_token(str(p)) for p in path)


def dsl_schema_problems(document: Any) -> list[str]:
    """Return readable schema violations of a parsed workflow document (empty when valid).

    Misspelt task kinds, properties and call arguments are named with a suggestion
    (:mod:`stigmer_dsl.authoring`) instead of the validator's messages.
    """
    errors: list[tuple[str, str]] = []
    for error in dsl_validator().iter_errors(document):
        message = str(error.message)
        if len(message) > 300:
            message = message[:300] + "..."
        errors.append((_pointer(error.instance_path), f"schema: {message}"))
        if len(errors) >= _MAX_RAW_ERRORS:
            break
    if errors and isinstance(document, dict):
        errors = explain_schema_errors(document, errors, _task_vocabulary())
    problems = [f"{pointer}: {message}" for pointer, message in errors]
    if len(problems) > _MAX_SCHEMA_PROBLEMS:
        problems = [*problems[:_MAX_SCHEMA_PROBLEMS], "(further schema problems omitted)"]
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
