"""Secrets through the real server and Redis: write-only API, sealed at rest, runner-only read."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
from conftest import dump_keys
from ss_helpers import execution_msg, workflow_msg
from stigmer_devstack.secrets_key import new_secrets_key
from stigmer_protos.ai.stigmer.agentic.environment.v1 import EnvironmentSpec, EnvironmentValue
from stigmer_protos.ai.stigmer.agentic.executioncontext.v1 import ExecutionValue
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.temporal_names import interpreter_workflow_id
from stigmer_server.secrets.keyring import Keyring, parse_keyring
from stigmer_server.secrets.redaction import REDACTED
from stigmer_server.store.connection import connect

P = wex.ExecutionPhase


def keyring(*ids: str) -> Keyring:
    found = parse_keyring([new_secrets_key(i) for i in ids])
    assert found is not None
    return found


def secret_workflow(name: str, value: str, plain: str = "visible") -> wf.Workflow:
    w = workflow_msg(name=name)
    assert w.spec is not None
    w.spec.env_spec = EnvironmentSpec(
        data={
            "WF_TOKEN": EnvironmentValue(value=value, is_secret=True, description="token"),
            "SHARED": EnvironmentValue(value="from-workflow", is_secret=True),
            "REGION": EnvironmentValue(value=plain),
        }
    )
    return w


def secret_execution(workflow_id: str, value: str) -> wex.WorkflowExecution:
    e = execution_msg(name=f"run {uuid.uuid4().hex[:8]}", workflow_id=workflow_id)
    assert e.spec is not None
    e.spec.runtime_env = {
        "API_TOKEN": ExecutionValue(value=value, is_secret=True),
        "SHARED": ExecutionValue(value="from-execution", is_secret=True),
        "MODE": ExecutionValue(value="fast"),
    }
    return e


async def code_of(call: Any) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    return info.value.code(), info.value.details() or ""


def secrets_request(execution_id: str, runner: str = "") -> wex.GetWorkflowExecutionSecretsRequest:
    return wex.GetWorkflowExecutionSecretsRequest(
        execution_id=execution_id,
        runner_workflow_id=runner or interpreter_workflow_id(execution_id),
    )


def assert_redacted_execution(e: wex.WorkflowExecution) -> None:
    assert e.spec is not None
    env = e.spec.runtime_env
    assert env["API_TOKEN"] == ExecutionValue(value=REDACTED, is_secret=True)
    assert env["SHARED"] == ExecutionValue(value=REDACTED, is_secret=True)
    assert env["MODE"] == ExecutionValue(value="fast")


def assert_redacted_workflow(w: wf.Workflow, region: str = "visible") -> None:
    assert w.spec is not None and w.spec.env_spec is not None
    data = w.spec.env_spec.data
    assert data["WF_TOKEN"] == EnvironmentValue(value=REDACTED, is_secret=True, description="token")
    assert data["REGION"].value == region


async def test_every_read_is_redacted_and_redis_holds_no_clear_value(make_api: Any) -> None:
    api = await make_api(secrets_keyring=keyring("k1"))
    wf_secret, ex_secret = f"wf-{uuid.uuid4().hex}", f"ex-{uuid.uuid4().hex}"
    w = await api.stubs.wf.create(secret_workflow("Sec", wf_secret))
    assert_redacted_workflow(w)
    wid = w.metadata.id
    assert_redacted_workflow(await api.stubs.wfq.get(wf.WorkflowId(value=wid)))
    e = await api.stubs.wex.create(secret_execution(wid, ex_secret))
    assert_redacted_execution(e)
    eid = e.metadata.id
    assert_redacted_execution(await api.stubs.wexq.get(wex.WorkflowExecutionId(value=eid)))
    page = await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest())
    assert_redacted_execution(page.entries[0])
    by_wf = await api.stubs.wexq.listByWorkflow(
        wex.ListWorkflowExecutionsByWorkflowRequest(workflow_id=wid)
    )
    assert_redacted_execution(by_wf.entries[0])
    stream = api.stubs.wexq.subscribe(wex.SubscribeWorkflowExecutionRequest(execution_id=eid))
    updated = await api.stubs.wex.updateStatus(
        wex.WorkflowExecutionUpdateStatusInput(
            execution_id=eid,
            status=wex.WorkflowExecutionStatus(phase=P.EXECUTION_COMPLETED),
        )
    )
    assert_redacted_execution(updated)
    seen = [x async for x in stream]
    assert seen and all(s.spec is not None for s in seen)
    for state in seen:
        assert_redacted_execution(state)

    stored = repr(await dump_keys(api.redis_url, api.prefix))
    for secret in (wf_secret, ex_secret, "from-workflow", "from-execution"):
        assert secret not in stored
    assert "sealed:v1:k1:" in stored
    client = connect(api.redis_url, max_connections=4)
    try:
        keys = [k async for k in client.scan_iter(match=f"{{{api.prefix}:*:e:*")]
        assert keys
        for key in keys:
            entries = await client.xrange(key)
            assert entries and all(b"sealed:" not in f[b"d"] for _, f in entries)
    finally:
        await client.aclose()


async def test_get_secrets_serves_the_interpreter_of_a_live_execution_only(
    make_api: Any,
) -> None:
    api = await make_api(secrets_keyring=keyring("k1"))
    w = await api.stubs.wf.create(secret_workflow("Run", "wf-value"))
    e = await api.stubs.wex.create(secret_execution(w.metadata.id, "ex-value"))
    eid = e.metadata.id
    got = await api.stubs.wexq.getSecrets(secrets_request(eid))
    # Non-secret entries are not served; the execution's entry wins over the workflow's.
    assert dict(got.values) == {
        "WF_TOKEN": "wf-value",
        "API_TOKEN": "ex-value",
        "SHARED": "from-execution",
    }
    other = await api.stubs.wex.create(secret_execution(w.metadata.id, "other"))
    code, details = await code_of(
        api.stubs.wexq.getSecrets(secrets_request(eid, interpreter_workflow_id(other.metadata.id)))
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED and "runner_workflow_id" in details
    code, _ = await code_of(api.stubs.wexq.getSecrets(secrets_request(eid, runner=eid)))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    await api.stubs.wex.updateStatus(
        wex.WorkflowExecutionUpdateStatusInput(
            execution_id=eid, status=wex.WorkflowExecutionStatus(phase=P.EXECUTION_FAILED)
        )
    )
    code, details = await code_of(api.stubs.wexq.getSecrets(secrets_request(eid)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "EXECUTION_FAILED" in details
    code, _ = await code_of(api.stubs.wexq.getSecrets(secrets_request("wex-missing")))
    assert code == grpc.StatusCode.NOT_FOUND


async def test_sending_back_the_placeholder_keeps_the_stored_secret(make_api: Any) -> None:
    api = await make_api(secrets_keyring=keyring("k1"))
    w = await api.stubs.wf.apply(secret_workflow("Keep", "original"))
    wid = w.metadata.id
    # A client re-applies what it read: placeholder values, a changed plain value.
    again = await api.stubs.wfq.get(wf.WorkflowId(value=wid))
    again.spec.env_spec.data["REGION"] = EnvironmentValue(value="eu")
    assert_redacted_workflow(await api.stubs.wf.apply(again), region="eu")
    e = await api.stubs.wex.create(secret_execution(wid, "ex-original"))
    read = await api.stubs.wexq.get(wex.WorkflowExecutionId(value=e.metadata.id))
    read.spec.runtime_env["SHARED"] = ExecutionValue(value="replaced", is_secret=True)
    await api.stubs.wex.update(read)
    got = await api.stubs.wexq.getSecrets(secrets_request(e.metadata.id))
    assert dict(got.values) == {
        "WF_TOKEN": "original",
        "API_TOKEN": "ex-original",
        "SHARED": "replaced",
    }


async def test_a_placeholder_without_a_stored_secret_is_refused(make_api: Any) -> None:
    api = await make_api(secrets_keyring=keyring("k1"))
    before = await api.snapshot()
    code, details = await code_of(api.stubs.wf.create(secret_workflow("Ph", REDACTED)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "spec.env_spec.data[WF_TOKEN].value" in details
    w = await api.stubs.wf.create(workflow_msg(name="Plain"))
    w.spec.env_spec = EnvironmentSpec(
        data={"NEW": EnvironmentValue(value=REDACTED, is_secret=True)}
    )
    middle = await api.snapshot()
    code, details = await code_of(api.stubs.wf.update(w))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "NEW" in details
    assert await api.snapshot() == middle
    assert before != middle


async def test_without_a_key_secret_values_are_refused_with_the_setting_named(
    make_api: Any,
) -> None:
    api = await make_api()
    before = await api.snapshot()
    code, details = await code_of(api.stubs.wf.create(secret_workflow("NoKey", "v")))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "STIGMER_SECRETS_KEYS" in details
    assert await api.snapshot() == before
    w = await api.stubs.wf.create(workflow_msg(name="NoSecrets"))
    code, details = await code_of(api.stubs.wex.create(secret_execution(w.metadata.id, "v")))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "STIGMER_SECRETS_KEYS" in details
    plain = execution_msg(workflow_id=w.metadata.id)
    plain.spec.runtime_env = {"MODE": ExecutionValue(value="fast")}
    assert (await api.stubs.wex.create(plain)).spec.runtime_env["MODE"].value == "fast"


async def test_rotation_old_values_still_open_and_move_to_the_new_key(make_api: Any) -> None:
    old = keyring("old")
    first = await make_api(secrets_keyring=old)
    w = await first.stubs.wf.apply(secret_workflow("Rot", "rotated-value"))
    rotated = Keyring((keyring("new").keys[0], old.keys[0]))
    second = await make_api(prefix=first.prefix, secrets_keyring=rotated)
    e = await second.stubs.wex.create(secret_execution(w.metadata.id, "ex"))
    got = await second.stubs.wexq.getSecrets(secrets_request(e.metadata.id))
    assert got.values["WF_TOKEN"] == "rotated-value"
    # Re-applying what was read moves the kept value to the new key.
    await second.stubs.wf.apply(await second.stubs.wfq.get(wf.WorkflowId(value=w.metadata.id)))
    stored = repr(await second.snapshot())
    assert "sealed:v1:old:" not in stored and "sealed:v1:new:" in stored
    third = await make_api(prefix=first.prefix, secrets_keyring=Keyring((rotated.keys[0],)))
    got = await third.stubs.wexq.getSecrets(secrets_request(e.metadata.id))
    assert got.values["WF_TOKEN"] == "rotated-value"


async def test_a_sealed_value_copied_into_another_execution_does_not_open(
    make_api: Any,
) -> None:
    api = await make_api(secrets_keyring=keyring("k1"))
    w = await api.stubs.wf.create(workflow_msg(name="Swap"))
    a = await api.stubs.wex.create(secret_execution(w.metadata.id, "value-of-a"))
    b = await api.stubs.wex.create(secret_execution(w.metadata.id, "value-of-b"))
    client = connect(api.redis_url, max_connections=4)
    try:
        key_a = f"{{{api.prefix}:wex}}:r:{a.metadata.id}"
        key_b = f"{{{api.prefix}:wex}}:r:{b.metadata.id}"
        stored_a = wex.WorkflowExecution.parse(await client.hget(key_a, "d"))
        stored_b = wex.WorkflowExecution.parse(await client.hget(key_b, "d"))
        stored_b.spec.runtime_env["API_TOKEN"] = stored_a.spec.runtime_env["API_TOKEN"]
        await client.hset(key_b, "d", bytes(stored_b))
    finally:
        await client.aclose()
    code, details = await code_of(api.stubs.wexq.getSecrets(secrets_request(b.metadata.id)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "API_TOKEN" in details and "value-of" not in details
