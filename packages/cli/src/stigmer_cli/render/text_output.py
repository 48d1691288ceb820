"""Human-readable summaries: the final result of a run, one execution, a list of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from stigmer_cli.render.json_output import dumps
from stigmer_cli.render.model import ExecutionView, format_seconds
from stigmer_cli.render.table import task_table


def result_text(view: ExecutionView) -> str:
    """Phase, duration, then the output (JSON) or the error."""
    took = format_seconds(view.seconds(datetime.now(UTC)))
    head = f"{view.id} {view.phase}" + (f" in {took}" if took else "")
    if view.phase == "COMPLETED":
        return f"{head}\n{dumps(view.output)}"
    if view.error:
        return f"{head}: {view.error}"
    return head


def execution_text(view: ExecutionView) -> str:
    """Everything about one execution: header, task table, result."""
    lines = [
        f"execution  {view.id}",
        f"workflow   {view.workflow_id}",
        f"revision   {view.revision[:12] or '-'}",
        f"phase      {view.phase}",
        f"started    {view.started_at or '-'}",
        f"completed  {view.completed_at or '-'}",
    ]
    if view.rerun_of:
        lines.append(f"rerun of   {view.rerun_of}")
    if view.reruns:
        lines.append(f"reruns     {', '.join(view.reruns)}")
    if view.parent_id:
        lines.append(f"parent     {view.parent_id}")
    if view.children:
        lines.append(f"subflows   {', '.join(view.children)}")
    if view.tasks:
        lines += ["", *task_table(view.tasks, datetime.now(UTC), color=False)]
    if view.phase == "COMPLETED":
        lines += ["", "output", dumps(view.output)]
    if view.error:
        lines += ["", f"error      {view.error}"]
    return "\n".join(lines)


def executions_table(views: Sequence[ExecutionView]) -> str:
    """One line per execution."""
    now = datetime.now(UTC)
    rows = [("ID", "WORKFLOW", "PHASE", "STARTED", "DURATION")]
    rows += [
        (v.id, v.workflow_id, v.phase, v.started_at or "-", format_seconds(v.seconds(now)))
        for v in views
    ]
    return columns(rows)


def columns(rows: Sequence[Sequence[str]]) -> str:
    """Rows (the header first) as left-aligned columns two spaces apart."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
