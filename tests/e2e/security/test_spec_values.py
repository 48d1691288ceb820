"""Spec values through the real services: outputs of any JSON type, ``evaluate``, DSL versions.

The services run as subprocesses (tests/e2e/conftest.py); the CLI runs as a subprocess too, so
each value crosses the engine, the runner's report, the server's merge and store, the API and the
CLI's rendering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
import yaml
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.json_values import from_fields, whole_numbers
from stigmer_testing.executions import apply_workflow, follow, start_execution

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]

# Every JSON type, and an object that looks like the old wrapper of a non-object.
EVERY_TYPE: list[Any] = [
    {"value": 1},
    {},
    [1, "two", None, {"three": True}],
    [],
    "text",
    "",
    42,
    -1.5,
    True,
    False,
    None,
]


def _document(value: Any, dsl: str = "1.0.0", **sections: Any) -> dict[str, Any]:
    """A workflow whose one task outputs ``value``, which is also the workflow's output."""
    return {
        "document": {"dsl": dsl, "namespace": "e2e", "name": "values", "version": "1.0.0"},
        **sections,
        "do": [
            {"produce": {"set": {"ignored": 1}, "output": {"as": f"${{ {json.dumps(value)} }}"}}}
        ],
    }


def _stigmer(endpoint: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``stigmer`` CLI as a user would (``--endpoint`` added when given)."""
    env = {k: v for k, v in os.environ.items() if k != "STIGMER_ENDPOINT"}
    command = [sys.executable, "-m", "stigmer_cli", *args]
    if endpoint is not None:
        command += ["--endpoint", endpoint]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, cwd=REPO, check=False
    )


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / f"{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest_asyncio.fixture
async def channel(stigmer_endpoint: str) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stigmer_endpoint) as ch:
        yield ch


async def _get(channel: grpc.aio.Channel, execution_id: str) -> wex.WorkflowExecution:
    stub: Any = wex_qry.WorkflowExecutionQueryControllerStub(channel)
    execution: wex.WorkflowExecution = await stub.get(wex.WorkflowExecutionId(value=execution_id))
    return execution


def _same(actual: Any, expected: Any) -> bool:
    """Equal as JSON, and of the same JSON type (1 is not true, 1 is not "1")."""
    return json.dumps(whole_numbers(actual), sort_keys=True) == json.dumps(expected, sort_keys=True)


def _check_fields(struct: Any, value: Any, expected: Any) -> None:
    """An object is in Stigmer's Struct field only; any other value in the Value field only."""
    assert (struct is not None) == isinstance(expected, dict)
    assert (value is not None) != isinstance(expected, dict)
    assert _same(from_fields(struct, value), expected)


@pytest.mark.parametrize("value", EVERY_TYPE, ids=json.dumps)
async def test_grpc_api_returns_outputs_of_every_json_type(
    channel: grpc.aio.Channel, value: Any
) -> None:
    name = f"values-{uuid.uuid4().hex[:8]}"
    created = await start_execution(channel, name, dsl_to_workflow_spec(_document(value)))
    final = (await follow(channel, created.metadata.id))[-1]
    assert final.status.phase == wex.ExecutionPhase.EXECUTION_COMPLETED, final.status.error
    stored = await _get(channel, created.metadata.id)
    for execution in (final, stored):
        status = execution.status
        _check_fields(status.output, status.output_value, value)
        (task,) = status.tasks
        _check_fields(task.output, task.output_value, value)
        _check_fields(task.input, task.input_value, {})


@pytest.mark.parametrize("value", EVERY_TYPE, ids=json.dumps)
def test_cli_run_and_get_show_the_true_output(
    stigmer_endpoint: str, tmp_path: Path, value: Any
) -> None:
    path = _write(tmp_path, _document(value))
    run = _stigmer(stigmer_endpoint, "run", "-f", str(path), "-o", "json")
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)
    assert shown["phase"] == "COMPLETED"
    assert _same(shown["output"], value)
    (task,) = shown["tasks"]
    assert task["name"] == "produce" and _same(task["output"], value)
    got = _stigmer(stigmer_endpoint, "get", shown["id"], "-o", "json")
    assert got.returncode == 0, got.stderr
    assert _same(json.loads(got.stdout)["output"], value)
    text = _stigmer(stigmer_endpoint, "get", shown["id"])
    assert text.returncode == 0, text.stderr
    printed = text.stdout.split("\noutput\n", 1)[1].split("\nerror ", 1)[0]
    assert _same(json.loads(printed), value)


def test_tasks_of_every_type_in_one_run(stigmer_endpoint: str, tmp_path: Path) -> None:
    tasks = [
        {f"t{i}": {"set": {"x": i}, "output": {"as": f"${{ {json.dumps(v)} }}"}}}
        for i, v in enumerate(EVERY_TYPE)
    ]
    document = {**_document(None), "do": tasks, "output": {"as": "${ {done: true} }"}}
    run = _stigmer(stigmer_endpoint, "run", "-f", str(_write(tmp_path, document)), "-o", "json")
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)
    assert shown["output"] == {"done": True}
    outputs = {t["name"]: t["output"] for t in shown["tasks"]}
    for i, value in enumerate(EVERY_TYPE):
        assert _same(outputs[f"t{i}"], value), (i, outputs[f"t{i}"])


def test_an_evaluate_block_runs_through_the_api(stigmer_endpoint: str, tmp_path: Path) -> None:
    document = _document({"ok": 1}, evaluate={"language": "jq", "mode": "strict"})
    run = _stigmer(stigmer_endpoint, "run", "-f", str(_write(tmp_path, document)), "-o", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["output"] == {"ok": 1}


async def test_pre_release_dsl_versions_are_accepted_by_the_api(
    channel: grpc.aio.Channel,
) -> None:
    spec = dsl_to_workflow_spec(_document({"ran": True}, dsl="1.0.0-alpha5"))
    created = await start_execution(channel, f"alpha-{uuid.uuid4().hex[:8]}", spec)
    final = (await follow(channel, created.metadata.id))[-1]
    assert final.status.phase == wex.ExecutionPhase.EXECUTION_COMPLETED, final.status.error
    assert from_fields(final.status.output, final.status.output_value) == {"ran": True}


async def test_another_dsl_version_is_invalid_at_the_api(channel: grpc.aio.Channel) -> None:
    spec = dsl_to_workflow_spec(_document(1))
    assert spec.document is not None
    spec.document.dsl = "1.1.0"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await apply_workflow(channel, f"v11-{uuid.uuid4().hex[:8]}", spec)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("spec.document.dsl: must be a 1.0.x DSL version")


def test_cli_validates_and_runs_a_pre_release_document(
    stigmer_endpoint: str, tmp_path: Path
) -> None:
    alpha = _write(tmp_path, _document({"ran": True}, dsl="1.0.0-alpha5"))
    valid = _stigmer(None, "validate", str(alpha))
    assert valid.returncode == 0, valid.stderr
    run = _stigmer(stigmer_endpoint, "run", "-f", str(alpha), "-o", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["output"] == {"ran": True}
    other = _write(tmp_path, _document(1, dsl="1.1.0"))
    invalid = _stigmer(None, "validate", str(other))
    assert invalid.returncode == 1
    assert "/document/dsl: must be a 1.0.x DSL version" in invalid.stderr
