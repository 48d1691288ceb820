"""The one JSON object ``--output json`` prints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from stigmer_cli.render.model import ExecutionView, TaskRow


def task_json(row: TaskRow, now: datetime) -> dict[str, Any]:
    """One task as JSON."""
    seconds = row.seconds(now)
    return {
        "task_id": row.task_id,
        "name": row.name,
        "kind": row.kind,
        "status": row.status,
        "started_at": row.started_at or None,
        "completed_at": row.completed_at or None,
        "duration_ms": round(seconds * 1000) if seconds is not None else None,
        "error": row.error or None,
        "output": row.output,
        "children": list(row.children),
    }


def execution_json(view: ExecutionView) -> dict[str, Any]:
    """``{"id", "phase", "output", "error", "tasks": [...]}`` plus timing and error details."""
    now = datetime.now(UTC)
    return {
        "id": view.id,
        "workflow_id": view.workflow_id,
        "workflow_revision": view.revision or None,
        "rerun_of": view.rerun_of or None,
        "reruns": list(view.reruns),
        "parent_id": view.parent_id or None,
        "children": list(view.children),
        "phase": view.phase,
        "output": view.output,
        "error": view.error or None,
        "error_details": view.error_details,
        "started_at": view.started_at or None,
        "completed_at": view.completed_at or None,
        "tasks": [task_json(t, now) for t in view.tasks],
    }


def dumps(value: Any) -> str:
    """Indented, key-order-preserving JSON text."""
    return json.dumps(value, indent=2, ensure_ascii=False)
