"""``run: shell`` / ``run: script``: a process run by an activity (allowed per worker)."""

from __future__ import annotations

from stigmer_dsl.errors import make_error
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import run_script, run_shell
from stigmer_protos.temporal_names import RUN_PROCESS_ACTIVITY
from temporalio import workflow

from workflow_runner.engine.activities.run_process import ProcessResult, RunRequest
from workflow_runner.engine.context import Outcome, TaskContext, TaskRun
from workflow_runner.engine.secrets import SecretSite
from workflow_runner.engine.tasks._activity import (
    DEFAULT_TIMEOUT,
    HEARTBEAT_TIMEOUT,
    INFRASTRUCTURE_RETRY,
    execute,
    secret_evaluated,
    secret_names,
    secret_scope,
)

KINDS = (run_shell.KIND.id, run_script.KIND.id)
"""The library's kinds this module runs."""


async def build_request(ctx: TaskContext, run: TaskRun, data: Json) -> RunRequest:
    """Evaluate stdin/arguments/environment (``$secrets`` deferred to the activity)."""
    process = run.node.spec["run"]
    kind = "shell" if "shell" in process else "script"
    body = process[kind]
    variables = ctx.task_arguments(run, data)
    values: dict[str, Json] = {}
    sites: list[SecretSite] = []
    for key, default in (("stdin", None), ("arguments", []), ("environment", {})):
        values[key], found = await secret_evaluated(
            ctx, body.get(key, default), key, data, variables
        )
        sites.extend(found)
    command = body.get("command", "")
    if kind == "shell":
        command = str(await ctx.value(command, data, variables))
    return RunRequest(
        kind=kind,
        command=command,
        language=str(body.get("language", "")),
        code=body.get("code"),
        source=body.get("source"),
        arguments=values["arguments"] or [],
        environment=dict(values["environment"] or {}),
        stdin=values["stdin"],
        secret_scope=secret_scope(data, variables, sites),
        execution_id=ctx.execution_id,
        secret_names=secret_names(ctx),
        secret_sites=sites,
    )


def process_output(result: ProcessResult, mode: str) -> Json:
    """The task output for ``return: stdout | stderr | code | all | none``."""
    if mode == "code":
        return result.code
    if mode == "all":
        return {"code": result.code, "stdout": result.stdout, "stderr": result.stderr}
    if mode == "stderr":
        return result.stderr
    if mode == "none":
        return None
    return result.stdout


async def run(ctx: TaskContext, run: TaskRun, data: Json) -> Outcome:
    """Run the process; a non-zero exit faults the task unless ``return`` is code or all.

    With ``await: false`` the process is started and the task outputs its transformed input.
    """
    process = run.node.spec["run"]
    request = await build_request(ctx, run, data)
    if process.get("await", True) is False:
        await ctx.progress.flush()
        workflow.start_activity(
            RUN_PROCESS_ACTIVITY,
            request,
            start_to_close_timeout=DEFAULT_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=INFRASTRUCTURE_RETRY,
        )
        return Outcome(data)
    result: ProcessResult = await execute(
        ctx,
        RUN_PROCESS_ACTIVITY,
        request,
        ProcessResult,
        title="Process failed",
        kinds=("timeout", "configuration"),
        default_kind="runtime",
    )
    mode = str(process.get("return", "stdout"))
    if result.code != 0 and mode not in ("code", "all"):
        tail = (result.stderr or result.stdout).strip()[-500:]
        raise make_error(
            "runtime",
            f"the process exited with code {result.code}: {tail}",
            title="Process failed",
        )
    return Outcome(process_output(result, mode))
