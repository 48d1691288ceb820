"""The runner's two Temporal workers: ExecuteWorkflow, and the DSL interpreter."""

from __future__ import annotations

from stigmer_dsl.loader import load_workflow
from stigmer_protos.temporal import sandbox_runner
from stigmer_protos.temporal_names import execution_id_of_interpreter
from stigmer_telemetry import ExecutionContextInterceptor
from temporalio.client import Client
from temporalio.worker import Worker

from workflow_runner.activities.execute_workflow import (
    ExecuteWorkflowActivity,
    InterpreterSettings,
)
from workflow_runner.activities.report_progress import ReportProgressActivity
from workflow_runner.activities.subflow import SubflowActivities
from workflow_runner.activities.workflow_documents import WorkflowDocuments
from workflow_runner.api import StigmerApi
from workflow_runner.config import RunnerConfig
from workflow_runner.engine import (
    SANDBOX_PASSTHROUGH,
    EngineConfig,
    ExecuteServerlessWorkflow,
    engine_activities,
    expression_pool,
)
from workflow_runner.secrets import ApiSecretResolver

# A document that exercises the whole loader: YAML, the schema, the task tree.
_WARM_UP_DOCUMENT = """
document: {dsl: 1.0.0, namespace: warm-up, name: warm-up, version: 1.0.0}
do:
  - first:
      set: {ready: true}
"""


def warm_up_loader() -> None:
    """Load a small document once, outside any workflow.

    The loader compiles the DSL schema on its first use (cached per process, shared with the
    sandbox). Done inside a fresh runner's first workflow task, that took longer than
    Temporal's 2 s deadlock detection on a loaded machine (TMPRL1101 in the chaos soak,
    docs/adr/0034-chaos-soak.md).
    """
    load_workflow(_WARM_UP_DOCUMENT)


def build_workers(client: Client, api: StigmerApi, config: RunnerConfig) -> list[Worker]:
    """Build the worker of the runner queue and the worker of the interpreter queue.

    The runner queue carries only ``ExecuteWorkflow`` (the polyglot rule: stigmer-server never
    polls it); the interpreter queue carries ``ExecuteServerlessWorkflow``, its task activities,
    the ``ReportTaskProgress`` local activity and the ``run: workflow`` activities. The jq worker pool every expression runs in
    is started here with the operator's budget.
    """
    expression_pool.install(config.expression_budget).prestart()
    warm_up_loader()
    execute = ExecuteWorkflowActivity(
        api,
        client,
        InterpreterSettings(
            task_queue=config.interpreter_task_queue,
            execution_timeout=config.interpreter_execution_timeout,
            allowed_activities=config.allowed_activities,
        ),
    )
    subflows = SubflowActivities(
        api,
        WorkflowDocuments(api, config.allowed_activities),
        config.interpreter_execution_timeout,
    )
    runner = Worker(
        client,
        task_queue=config.runner_task_queue,
        activities=[execute.execute_workflow],
        # ExecuteWorkflow holds its slot for an execution's whole life while mostly waiting,
        # so this bounds executions in flight, not work: it has its own, larger limit.
        max_concurrent_activities=config.max_concurrent_executions,
        graceful_shutdown_timeout=config.graceful_shutdown,
    )
    interpreter = Worker(
        client,
        task_queue=config.interpreter_task_queue,
        workflows=[ExecuteServerlessWorkflow],
        activities=[
            *engine_activities(EngineConfig.from_env(secret_resolver=ApiSecretResolver(api))),
            ReportProgressActivity(api).report_task_progress,
            subflows.create_subflow,
            subflows.record_subflow_status,
        ],
        max_concurrent_activities=config.max_concurrent_activities,
        max_concurrent_workflow_tasks=config.max_concurrent_workflow_tasks,
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
        graceful_shutdown_timeout=config.graceful_shutdown,
        # Task activities (http, ...) log with the execution id of their interpreter workflow.
        interceptors=[ExecutionContextInterceptor(execution_id_of_interpreter)],
    )
    return [runner, interpreter]
