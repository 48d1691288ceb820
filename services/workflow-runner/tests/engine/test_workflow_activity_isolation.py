"""``call: activity`` cannot reach the engine's own activities, and those serve only interpreters.

Real Temporal dev server: documents run through the interpreter on a uuid task queue; a rogue
workflow (not an interpreter workflow) schedules an engine activity directly.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_protos.temporal import sandbox_runner
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from workflow_runner.engine import (
    ENGINE_WORKFLOW_NAME,
    HTTP_CALL_ACTIVITY,
    REPORT_PROGRESS_ACTIVITY,
    SANDBOX_PASSTHROUGH,
    EngineConfig,
    EngineInput,
    EngineResult,
    ExecuteServerlessWorkflow,
    ProgressBatch,
    StaticSecrets,
    engine_activities,
)
from workflow_runner.engine.activities.http_call import HttpRequest
from workflow_runner.engine.identity import NOT_AN_INTERPRETER
from workflow_runner.engine.secrets import SecretSite

CONFIGURATION = "https://serverlessworkflow.io/spec/1.0.0/errors/configuration"


def _doc(body: str) -> str:
    head = "document: {dsl: '1.0.3', namespace: test, name: isolation, version: '1.0.0'}\n"
    return head + "do:\n" + body


@activity.defn(name="echo")
async def echo(value: Any) -> Any:
    return {"echoed": value}


async def _scheduled_activities(client: Client, workflow_id: str) -> list[str]:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


async def test_listed_activity_runs_unlisted_is_denied_at_load(
    engine: Any, temporal_client: Client, task_queue: str
) -> None:
    allowed = {"allowed_activities": [AllowedActivity("echo", task_queue)]}
    ok = await engine(
        _doc("  - e:\n      call: activity\n      with: {name: echo, arguments: [1]}\n"),
        extra_activities=[echo],
        input_options=allowed,
    )
    assert ok.error is None and ok.output == {"echoed": 1}

    denied = await engine(
        _doc("  - other:\n      call: activity\n      with: {name: greet}\n"),
        extra_activities=[echo],
        input_options=allowed,
    )
    error = denied.error_dict
    assert error["type"] == CONFIGURATION
    assert "/do/0/other: activity 'greet' is not allowed" in error["detail"]
    assert await _scheduled_activities(temporal_client, denied.workflow_id) == []


async def test_default_allows_no_call(engine: Any) -> None:
    run = await engine(
        _doc("  - e:\n      call: activity\n      with: {name: echo}\n"), extra_activities=[echo]
    )
    assert run.error_dict["type"] == CONFIGURATION
    assert "/do/0/e: activity 'echo' is not allowed" in run.error_dict["detail"]


@pytest.mark.parametrize(
    "name", ["ServerlessWorkflowRunProcess", "ServerlessWorkflowHttpCall", "ReportTaskProgress"]
)
async def test_internal_activity_named_by_expression_is_denied_before_scheduling(
    engine: Any, temporal_client: Client, task_queue: str, tmp_path: Path, name: str
) -> None:
    marker = tmp_path / "ran"
    run = await engine(
        _doc(f"""
  - sneak:
      call: activity
      with:
        name: ${{ .name }}
        arguments:
          - shell: {{command: "touch {marker}"}}
            uri: http://127.0.0.1:9/
            method: get
            execution_id: wex-victim
"""),
        {"name": name},
        config=EngineConfig(allow_run=True),
        # Even an operator's wildcard over the engine's own queue exposes no internal activity.
        input_options={"allowed_activities": [AllowedActivity("*", task_queue)]},
    )
    error = run.error_dict
    assert error["type"] == CONFIGURATION and error["instance"] == "/do/0/sneak"
    assert f"activity {name!r} is internal to the engine" in error["detail"]
    assert await _scheduled_activities(temporal_client, run.workflow_id) == []
    assert not marker.exists()


@workflow.defn(name="RogueWorkflow", sandboxed=False)
class RogueWorkflow:
    """Schedules the engine's HTTP activity with another execution's id in the request."""

    @workflow.run
    async def run(self, request: HttpRequest) -> Any:
        return await workflow.execute_activity(
            HTTP_CALL_ACTIVITY,
            request,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )


async def test_engine_activity_gives_no_secrets_to_other_workflows(
    temporal_client: Client, task_queue: str
) -> None:
    config = EngineConfig(secret_resolver=StaticSecrets({"token": "victim-s3cret"}))
    request = HttpRequest(
        method="get",
        uri="http://127.0.0.1:9/",
        headers={"X-Leak": None},
        secret_scope={"data": None, "variables": {}},
        secret_sites=[SecretSite(path=["headers", "X-Leak"], expression="$secrets.token")],
        execution_id="wex-victim",
    )
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[RogueWorkflow],
        activities=engine_activities(config),
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        with pytest.raises(WorkflowFailureError) as exc:
            await temporal_client.execute_workflow(
                RogueWorkflow.run,
                request,
                id=f"rogue-{uuid.uuid4()}",
                task_queue=task_queue,
            )
    cause = exc.value.cause
    assert isinstance(cause, ActivityError) and isinstance(cause.cause, ApplicationError)
    assert cause.cause.type == NOT_AN_INTERPRETER and cause.cause.non_retryable
    assert "not an execution's interpreter workflow" in cause.cause.message


@activity.defn(name=REPORT_PROGRESS_ACTIVITY)
async def refusing_progress(batch: ProgressBatch) -> None:
    raise ApplicationError("refused", type=NOT_AN_INTERPRETER, non_retryable=True)


async def test_a_refused_progress_report_does_not_fail_the_run(
    temporal_client: Client, task_queue: str
) -> None:
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ExecuteServerlessWorkflow],
        activities=[*engine_activities(EngineConfig()), refusing_progress],
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    ):
        result = await temporal_client.execute_workflow(
            ENGINE_WORKFLOW_NAME,
            EngineInput(execution_id="wex-x", workflow_yaml=_doc("  - s:\n      set: {a: 1}\n")),
            id=f"other-{uuid.uuid4()}",
            task_queue=task_queue,
            result_type=EngineResult,
        )
    assert result.output == {"a": 1}
