"""``run: workflow``: a subflow, run as a Temporal child workflow of the interpreter (ADR 0036).

stigmer-server resolves the document (``namespace``/``name``/``version``, in the parent's
org) and creates the child execution, through the ``ServerlessWorkflowCreateSubflow`` activity;
the child runs this same interpreter workflow, on this workflow's own task queue, and records
its own terminal phase. The document chooses neither the Workflow resource, nor the queue, nor
the execution: only which document, by name, and its input.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from stigmer_dsl.errors import WorkflowError, make_error
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import run_workflow
from stigmer_protos.temporal_names import (
    CREATE_SUBFLOW_ACTIVITY,
    ENGINE_WORKFLOW_NAME,
    interpreter_workflow_id,
)
from temporalio import workflow
from temporalio.exceptions import (
    ApplicationError,
    CancelledError,
    ChildWorkflowError,
    TimeoutError,
)
from temporalio.workflow import ParentClosePolicy

from workflow_runner.engine.context import Outcome, TaskContext, TaskRun
from workflow_runner.engine.contract import EngineInput, EngineResult, SubflowRequest, SubflowStart
from workflow_runner.engine.tasks._activity import execute

KINDS = (run_workflow.KIND.id,)
"""The library's kinds this module runs."""


async def _request(ctx: TaskContext, run: TaskRun, data: Json) -> SubflowRequest:
    body = run.node.spec["run"]["workflow"]
    payload = await ctx.value(body.get("input", {}), data, ctx.task_arguments(run, data))
    if not isinstance(payload, Mapping):
        raise make_error("validation", "run.workflow.input must be an object")
    return SubflowRequest(
        namespace=str(body["namespace"]),
        name=str(body["name"]),
        version=str(body["version"]),
        input=dict(payload),
        task_id=run.task_id,
        # Replay-safe; a DSL retry of the task draws another, hence another subflow.
        call_id=str(workflow.uuid4()),
    )


def _failure(label: str, child_id: str, exc: ChildWorkflowError) -> WorkflowError:
    """The parent task's error for a subflow that did not complete (``try`` can catch it)."""
    cause = exc.cause
    where = f"subflow {label} (execution {child_id})"
    if isinstance(cause, ApplicationError) and cause.details and isinstance(cause.details[0], dict):
        error = dict(cause.details[0])
        error["detail"] = f"{where} failed: {error.get('detail') or error.get('title', '')}"
        error.pop("instance", None)  # the parent's task is where it failed here
        return WorkflowError(error)
    if isinstance(cause, CancelledError):
        return make_error("runtime", f"{where} was cancelled", title="Subflow cancelled")
    if isinstance(cause, TimeoutError):
        return make_error("timeout", f"{where} timed out", title="Subflow timed out")
    return make_error("runtime", f"{where} failed: {cause or exc}", title="Subflow failed")


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Create the subflow, start it as a child workflow and (``await``, the default) wait.

    With ``await: false`` the child is abandoned by this workflow (it outlives it) and the
    task outputs its transformed input; otherwise the output is the subflow's output, and a
    cancellation of this workflow cancels the child.
    """
    request = await _request(ctx, run, data)
    label = f"{request.namespace}/{request.name}:{request.version}"
    start: SubflowStart = await execute(
        ctx,
        CREATE_SUBFLOW_ACTIVITY,
        request,
        SubflowStart,
        title="Subflow not started",
        kinds=("runtime",),
        default_kind="runtime",
    )
    waits = run.node.spec["run"].get("await", True) is not False
    handle = await workflow.start_child_workflow(
        ENGINE_WORKFLOW_NAME,
        EngineInput(
            execution_id=start.execution_id,
            workflow_yaml=start.workflow_yaml,
            input=start.input,
            allowed_activities=list(ctx.allowed_activities),
            records_status=True,
        ),
        id=interpreter_workflow_id(start.execution_id),
        task_queue=workflow.info().task_queue,
        execution_timeout=timedelta(seconds=start.execution_timeout_seconds),
        parent_close_policy=(
            ParentClosePolicy.REQUEST_CANCEL if waits else ParentClosePolicy.ABANDON
        ),
        result_type=EngineResult,
    )
    # Named on the parent's row once it runs: whoever follows the link finds it started.
    ctx.progress.link(run.task_id, start.execution_id)
    await ctx.progress.flush()
    if not waits:
        return Outcome(data)
    try:
        result: EngineResult = await handle
    except ChildWorkflowError as exc:
        raise _failure(label, start.execution_id, exc) from None
    return Outcome(result.output)
