"""``emit``: build a CloudEvent in the workflow, deliver it with an activity, output the event."""

from __future__ import annotations

from stigmer_dsl.errors import make_error
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import emit
from stigmer_protos.temporal_names import EMIT_EVENT_ACTIVITY
from temporalio import workflow

from workflow_runner.engine.activities.emit_event import EmitRequest, EmitResult
from workflow_runner.engine.context import Outcome, TaskContext, TaskRun
from workflow_runner.engine.progress import now_rfc3339
from workflow_runner.engine.tasks._activity import execute

KINDS = (emit.KIND.id,)
"""The library's kinds this module runs."""

CLOUDEVENTS_SPEC_VERSION = "1.0"


async def build_event(ctx: TaskContext, run: TaskRun, data: Json) -> dict[str, Json]:
    """Evaluate ``emit.event.with`` and fill ``id`` (workflow UUID), ``time``, ``specversion``.

    Raises:
        WorkflowError: ``source`` or ``type`` is missing (validation error, 400).
    """
    properties = run.node.spec["emit"]["event"].get("with") or {}
    event = await ctx.value(properties, data, ctx.task_arguments(run, data))
    if not isinstance(event, dict):
        raise make_error("validation", "emit.event.with must evaluate to an object")
    missing = [key for key in ("source", "type") if not event.get(key)]
    if missing:
        raise make_error(
            "validation",
            f"an emitted event needs {' and '.join(missing)}",
            title="Invalid event",
        )
    event.setdefault("id", str(workflow.uuid4()))
    event.setdefault("time", now_rfc3339())
    event.setdefault("specversion", CLOUDEVENTS_SPEC_VERSION)
    if "data" in event:
        event.setdefault("datacontenttype", "application/json")
    return event


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Emit the event; the task's output is the emitted CloudEvent."""
    event = await build_event(ctx, run, data)
    result: EmitResult = await execute(
        ctx,
        EMIT_EVENT_ACTIVITY,
        EmitRequest(event=event, execution_id=ctx.execution_id),
        EmitResult,
        title="Emit failed",
    )
    if not result.delivered:
        workflow.logger.info("emitted event %s has no sink; kept in the task output", event["id"])
    return Outcome(event)
