"""Runtime-expression arguments (`$workflow`, `$task`, `$runtime` ...) and DSL descriptors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stigmer_dsl.expressions import STANDARD_ARGUMENTS

RUNTIME_NAME = "stigmer-workflow-runner"
RUNTIME_VERSION = "0.1.0"


def datetime_descriptor(moment: datetime) -> dict[str, Any]:
    """Return the DSL DateTime descriptor: ``iso8601`` and ``epoch.{seconds,milliseconds}``."""
    utc = moment.astimezone(UTC)
    millis = int(utc.timestamp() * 1000)
    return {
        "iso8601": utc.isoformat().replace("+00:00", "Z"),
        "epoch": {"seconds": millis // 1000, "milliseconds": millis},
    }


def runtime_descriptor() -> dict[str, Any]:
    """Return ``$runtime``."""
    return {"name": RUNTIME_NAME, "version": RUNTIME_VERSION, "metadata": {}}


def workflow_descriptor(
    execution_id: str, definition: Mapping[str, Any], raw_input: Any, started_at: datetime
) -> dict[str, Any]:
    """Return ``$workflow`` (id, definition, raw input, startedAt)."""
    return {
        "id": execution_id,
        "definition": definition,
        "input": raw_input,
        "startedAt": datetime_descriptor(started_at),
    }


def task_descriptor(
    name: str,
    pointer: str,
    definition: Mapping[str, Any],
    raw_input: Any,
    started_at: datetime,
    raw_output: Any = None,
) -> dict[str, Any]:
    """Return ``$task`` for a running task."""
    return {
        "name": name,
        "reference": pointer,
        "definition": definition,
        "input": raw_input,
        "output": raw_output,
        "startedAt": datetime_descriptor(started_at),
    }


def arguments(base: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    """Return the full variable map: every standard argument (null when unavailable) + extras.

    Binding every standard name keeps the set of names (and so the jq compile cache key) stable
    at each evaluation site, and makes an unavailable argument evaluate to null instead of a
    jq compile error.
    """
    result: dict[str, Any] = dict.fromkeys(STANDARD_ARGUMENTS)
    result.update(base)
    result.update(values)
    return result
