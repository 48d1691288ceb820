"""ExecuteWorkflow against a real in-process stigmer-server (Redis) and the Temporal dev server."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
import yaml
from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.temporal import StigmerPayloadConverter
from stigmer_protos.temporal_client import TemporalConnectionConfig
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_server.access.api_keys import ApiKeySettings
from stigmer_server.config import Config
from stigmer_server.server import RunningServer, build_server
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import RawValue
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import ActivityEnvironment
from workflow_runner.activities.execute_workflow import (
    ExecuteWorkflowActivity,
    InterpreterSettings,
)
from workflow_runner.client import ClientConfig, StigmerClient
from workflow_runner.config import RunnerConfig
from workflow_runner.worker import build_workers

Phase = wex.ExecutionPhase


@dataclass
class Env:
    server: RunningServer
    activity: ExecuteWorkflowActivity
    client: Client


def _status(result: wex.WorkflowExecutionStatus | RawValue) -> wex.WorkflowExecutionStatus:
    """The status the activity returned, decoded as its caller's converter decodes it."""
    if isinstance(result, RawValue):
        decoded: wex.WorkflowExecutionStatus = StigmerPayloadConverter().from_payload(
            result.payload, wex.WorkflowExecutionStatus
        )
        return decoded
    return result


@pytest_asyncio.fixture
async def env(
    api_key: str | None,
    server_keys: ApiKeySettings,
    redis_url: str,
    temporal_client: Client,
    temporal_address: str,
) -> AsyncIterator[Env]:
    """An API-only stigmer-server in process, and the runner's interpreter worker."""
    server = await build_server(
        Config(
            grpc_host="127.0.0.1",
            grpc_port=0,
            redis_url=redis_url,
            redis_key_prefix=f"t-{uuid.uuid4().hex}",
            temporal_disabled=True,
            api_keys=server_keys,
        )
    )
    config = RunnerConfig(
        temporal=TemporalConnectionConfig(address=temporal_address),
        api=ClientConfig(endpoint=f"127.0.0.1:{server.port}", api_key=api_key),
        runner_task_queue=f"runner-{uuid.uuid4()}",
        interpreter_task_queue=f"zigflow-{uuid.uuid4()}",
    )
    async with StigmerClient(config.api) as api:
        _, interpreter = build_workers(temporal_client, api, config)
        async with interpreter:
            activity = ExecuteWorkflowActivity(
                api, temporal_client, InterpreterSettings(task_queue=config.interpreter_task_queue)
            )
            yield Env(server, activity, temporal_client)
    await server.stop(0)


async def _execution(
    env: Env, document: dict[str, object], workflow_id: str = ""
) -> wex.WorkflowExecution:
    """A new execution of a new workflow of ``document`` (or of the workflow ``workflow_id``)."""
    name = f"wf-{uuid.uuid4().hex[:8]}"
    document["document"] = {"dsl": "1.0.0", "namespace": "t", "name": name, "version": "1.0.0"}
    services = env.server.services
    if not workflow_id:
        workflow = await services.workflows.create(
            wf.Workflow(
                metadata=ar.ApiResourceMetadata(name=name, org="t"),
                spec=dsl_to_workflow_spec(yaml.safe_dump(document)),
            )
        )
        workflow_id = workflow.metadata.id
    return await services.executions.create(
        wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(name=f"run-{name}", org="t"),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=workflow_id,
                trigger_message="hi",
                input=wkt.Struct.from_dict({"n": 2}),
            ),
        )
    )


async def test_runs_the_workflow_with_the_execution_input(env: Env) -> None:
    execution = await _execution(
        env, {"do": [{"echo": {"set": {"n": "${ .n * 10 }", "said": "${ .message }"}}}]}
    )
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, execution))
    assert status.phase == Phase.EXECUTION_COMPLETED, status.error
    assert status.output.to_dict() == {"n": 20, "said": "hi"}
    stored = await env.server.services.executions.get(execution.metadata.id)
    assert (
        stored.status.phase == Phase.EXECUTION_IN_PROGRESS
    )  # the terminal write is the orchestrator's
    assert [t.task_id for t in stored.status.tasks] == ["/do/0/echo"]


@pytest.mark.parametrize("api_key", [None, "runner-key-1"])
async def test_an_uploaded_input_is_fetched_from_the_server(env: Env) -> None:
    base = await _execution(env, {"do": [{"echo": {"set": {"n": "${ .n * 10 }"}}}]})
    services = env.server.services

    async def parts() -> AsyncIterator[wex.WorkflowExecutionValueChunk]:
        yield wex.WorkflowExecutionValueChunk(data=b'{"n": 3, "pad": "')
        yield wex.WorkflowExecutionValueChunk(data=b'x"}')

    upload = await services.executions.upload_input(parts())
    execution = await services.executions.create(
        wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(name=f"up-{uuid.uuid4().hex[:8]}", org="t"),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=base.spec.workflow_id, input_upload_id=upload.upload_id
            ),
        )
    )
    assert execution.spec.input_reference is not None

    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, execution))

    assert status.phase == Phase.EXECUTION_COMPLETED, status.error
    assert status.output.to_dict() == {"n": 30}


async def test_a_retried_attempt_reattaches_instead_of_running_twice(env: Env) -> None:
    execution = await _execution(
        env, {"do": [{"pause": {"wait": {"seconds": 1}}}, {"done": {"set": {"ok": True}}}]}
    )
    first, second = await asyncio.gather(
        ActivityEnvironment().run(env.activity.execute_workflow, execution),
        ActivityEnvironment().run(env.activity.execute_workflow, execution),
    )
    first, second = _status(first), _status(second)
    again = _status(await ActivityEnvironment().run(env.activity.execute_workflow, execution))
    assert first == second == again
    assert first.output.to_dict() == {"ok": True}
    wid = interpreter_workflow_id(execution.metadata.id)
    runs = [w async for w in env.client.list_workflows(f"WorkflowId = '{wid}'")]
    assert len(runs) == 1


def _unpinned(execution: wex.WorkflowExecution) -> wex.WorkflowExecution:
    """The execution as created before pinning: the runner fetches the current Workflow."""
    assert execution.spec.workflow_reference is not None
    execution.spec.workflow_reference = None
    return execution


async def test_the_revision_of_create_runs_whatever_the_workflow_became(env: Env) -> None:
    changed = await _execution(env, {"do": [{"a": {"set": {"x": 1}}}]})
    await _store_unchecked(env, changed.spec.workflow_id, {"do": [{"a": {"set": {"x": 2}}}]})
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, changed))
    assert status.phase == Phase.EXECUTION_COMPLETED, status.error
    assert status.output.to_dict() == {"x": 1}

    deleted = await _execution(env, {"do": [{"a": {"set": {"y": 1}}}]})
    await env.server.services.workflows.delete(deleted.spec.workflow_id)
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, deleted))
    assert status.phase == Phase.EXECUTION_COMPLETED, status.error
    assert status.output.to_dict() == {"y": 1}


async def test_a_revision_loaded_before_is_not_fetched_again(env: Env) -> None:
    first = await _execution(env, {"do": [{"a": {"set": {"x": 1}}}]})
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, first))
    assert status.phase == Phase.EXECUTION_COMPLETED, status.error

    # Same revision (same SHA-256), at a path the server would refuse: only the runner's
    # cache can supply it.
    second = await _execution(env, {}, first.spec.workflow_id)
    assert second.spec.workflow_reference.sha256 == first.spec.workflow_reference.sha256
    second.spec.workflow_reference.path = "spec.nowhere"
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, second))
    assert status.phase == Phase.EXECUTION_COMPLETED, status.error
    assert status.output.to_dict() == {"x": 1}

    # A revision the runner has not loaded is fetched, so the bad path is found out.
    third = await _execution(env, {}, first.spec.workflow_id)
    third.spec.workflow_reference.path = "spec.nowhere"
    third.spec.workflow_reference.sha256 = "0" * 64
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, third))
    assert status.phase == Phase.EXECUTION_FAILED
    assert status.error.startswith("cannot run execution:"), status.error


async def test_lookup_errors_end_failed_with_a_readable_message(env: Env) -> None:
    execution = _unpinned(await _execution(env, {"do": [{"a": {"set": {"x": 1}}}]}))
    await env.server.services.workflows.delete(execution.spec.workflow_id)
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, execution))
    assert status.phase == Phase.EXECUTION_FAILED
    assert status.error.startswith("cannot run execution:")
    assert (
        execution.spec.workflow_instance_id in status.error
        or execution.spec.workflow_id in status.error
    )


async def _store_unchecked(env: Env, workflow_id: str, document: dict[str, object]) -> None:
    """Replace a stored workflow's document without the server's checks (ADR 0030).

    The server refuses a document that cannot run; one stored before it did (or by another
    server) still reaches the runner, which checks it again.
    """
    document["document"] = {
        "dsl": "1.0.0",
        "namespace": "t",
        "name": "unchecked",
        "version": "1.0.0",
    }
    spec = dsl_to_workflow_spec(yaml.safe_dump(document))

    def replace(current: wf.Workflow) -> wf.Workflow:
        changed = copy.deepcopy(current)
        changed.spec = spec
        return changed

    await env.server.services.workflows.repo.update(workflow_id, replace)


async def test_invalid_workflow_ends_failed_before_running(env: Env) -> None:
    execution = _unpinned(await _execution(env, {"do": [{"a": {"set": {"x": 1}}}]}))
    await _store_unchecked(
        env, execution.spec.workflow_id, {"do": [{"a": {"set": {"x": 1}, "then": "missing"}}]}
    )
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, execution))
    assert status.phase == Phase.EXECUTION_FAILED
    assert "is invalid" in status.error and "missing" in status.error
    wid = interpreter_workflow_id(execution.metadata.id)
    assert [w async for w in env.client.list_workflows(f"WorkflowId = '{wid}'")] == []


async def test_cancelling_the_activity_cancels_the_interpreter(env: Env) -> None:
    execution = await _execution(env, {"do": [{"pause": {"wait": {"hours": 1}}}]})
    activity_env = ActivityEnvironment()
    running = asyncio.ensure_future(activity_env.run(env.activity.execute_workflow, execution))
    handle = env.client.get_workflow_handle(interpreter_workflow_id(execution.metadata.id))
    for _ in range(100):
        try:
            await handle.describe()
            break
        except Exception:
            await asyncio.sleep(0.05)
    activity_env.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    for _ in range(100):
        if (await handle.describe()).status == WorkflowExecutionStatus.CANCELED:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the interpreter workflow was not cancelled")


@pytest.mark.parametrize("api_key", [None, "runner-key-1"])
async def test_an_execution_that_ended_before_pickup_is_not_run(
    env: Env, api_key: str | None
) -> None:
    execution = await _execution(env, {"do": [{"pause": {"wait": {"hours": 1}}}]})
    # Another execution of the workflow is in flight, so a runner key may still read the
    # workflow: the refusal (PERMISSION_DENIED to a runner key) comes when marking this one.
    await _execution(env, {"do": [{"pause": {"wait": {"hours": 1}}}]}, execution.spec.workflow_id)
    await env.server.services.executions.update_status(
        execution.metadata.id, wex.WorkflowExecutionStatus(phase=Phase.EXECUTION_CANCELLED)
    )
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, execution))
    assert status.phase == Phase.EXECUTION_FAILED
    handle = env.client.get_workflow_handle(interpreter_workflow_id(execution.metadata.id))
    if api_key is None:
        assert status.error.startswith("not run:")
        assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED
    else:
        # A runner key may not even read the pinned revision of an ended execution.
        assert status.error.startswith("cannot run execution:")
        assert "in flight" in status.error
        with pytest.raises(RPCError) as missing:
            await handle.describe()
        assert missing.value.status == RPCStatusCode.NOT_FOUND


@pytest.mark.parametrize("api_key", ["runner-key-1"])
async def test_a_runner_key_cannot_read_the_workflow_of_an_ended_execution(env: Env) -> None:
    execution = await _execution(env, {"do": [{"pause": {"wait": {"hours": 1}}}]})
    await env.server.services.executions.update_status(
        execution.metadata.id, wex.WorkflowExecutionStatus(phase=Phase.EXECUTION_CANCELLED)
    )
    status = _status(await ActivityEnvironment().run(env.activity.execute_workflow, execution))
    assert status.phase == Phase.EXECUTION_FAILED
    assert status.error.startswith("cannot run execution: a 'runner' key may call "), status.error
    handle = env.client.get_workflow_handle(interpreter_workflow_id(execution.metadata.id))
    with pytest.raises(RPCError) as err:
        await handle.describe()
    assert err.value.status == RPCStatusCode.NOT_FOUND  # never started


async def test_a_call_the_allow_list_denies_ends_failed_before_running(env: Env) -> None:
    allowed = ExecuteWorkflowActivity(
        env.activity._api,
        env.client,
        InterpreterSettings(
            task_queue=f"zigflow-{uuid.uuid4()}",
            allowed_activities=(AllowedActivity("Charge", "payments"),),
        ),
    )
    execution = await _execution(
        env,
        {
            "do": [
                {"charge": {"call": "activity", "with": {"name": "Charge"}}},
                {"steal": {"call": "activity", "with": {"name": "ServerlessWorkflowHttpCall"}}},
                {"elsewhere": {"call": "activity", "with": {"name": "Charge", "taskQueue": "x"}}},
            ]
        },
    )
    status = _status(await ActivityEnvironment().run(allowed.execute_workflow, execution))
    assert status.phase == Phase.EXECUTION_FAILED
    details = status.error_details.to_dict()
    assert details["type"].endswith("/errors/configuration")
    assert "/do/0/charge" not in details["detail"]
    assert "/do/1/steal: activity 'ServerlessWorkflowHttpCall' is internal" in details["detail"]
    assert "/do/2/elsewhere: activity 'Charge' on task queue 'x' is not allowed" in status.error
    stored = await env.server.services.executions.get(execution.metadata.id)
    assert stored.status.phase == Phase.EXECUTION_PENDING  # never marked running
