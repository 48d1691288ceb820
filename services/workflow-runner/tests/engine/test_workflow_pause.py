"""The ``pause`` / ``resume`` signals hold task starts, also across continue-as-new."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from stigmer_protos.temporal import sandbox_runner
from stigmer_protos.temporal_names import PAUSE_SIGNAL, RESUME_SIGNAL, interpreter_workflow_id
from stigmer_testing.progress_sink import ProgressSink
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.worker import Worker
from workflow_runner.engine import (
    ENGINE_WORKFLOW_NAME,
    SANDBOX_PASSTHROUGH,
    EngineConfig,
    EngineInput,
    EngineResult,
    ExecuteServerlessWorkflow,
    ProgressBatch,
    engine_activities,
)
from workflow_runner.engine.pause import PauseGate

DOCUMENT = """\
document: {dsl: '1.0.3', namespace: test, name: pausable, version: '1.0.0'}
do:
  - nap:
      wait: {seconds: 1}
  - one:
      set: {n: 1}
  - two:
      set: {n: '${ .n + 1 }'}
"""


async def _completed(sink: ProgressSink[ProgressBatch]) -> set[str]:
    return {row.task_name for row in sink.latest().values() if row.status == "COMPLETED"}


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(300):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_pause_during_a_task_holds_the_next_one_across_continue_as_new(
    temporal_client: Client, task_queue: str
) -> None:
    sink: ProgressSink[ProgressBatch] = ProgressSink(ProgressBatch)
    execution_id = f"exec-{uuid.uuid4()}"
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ExecuteServerlessWorkflow],
        activities=[*engine_activities(EngineConfig()), sink.report],
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    ):
        handle: WorkflowHandle[object, EngineResult] = await temporal_client.start_workflow(
            ENGINE_WORKFLOW_NAME,
            EngineInput(
                execution_id=execution_id,
                workflow_yaml=DOCUMENT,
                input={},
                report_progress=True,
                tasks_per_run_limit=1,
            ),
            id=interpreter_workflow_id(execution_id),
            task_queue=task_queue,
            result_type=EngineResult,
        )

        async def napping() -> bool:
            return any(row.task_name == "nap" for row in sink.latest().values())

        await _until(napping, "the nap task to start")
        await handle.signal(PAUSE_SIGNAL)
        # The nap finishes; the run continues as new before `one` and the next run holds it.
        await _until(lambda: _has(sink, "nap"), "the nap task to complete")
        latest = temporal_client.get_workflow_handle(handle.id, result_type=EngineResult)

        async def continued() -> bool:
            description = await latest.describe()
            return description.run_id != handle.first_execution_run_id

        await _until(continued, "the continue-as-new")
        await asyncio.sleep(1.0)
        assert (await latest.describe()).status == WorkflowExecutionStatus.RUNNING
        assert await _completed(sink) == {"nap"}

        await latest.signal(RESUME_SIGNAL)
        result = await latest.result()
        assert isinstance(result, EngineResult)
        assert result.output == {"n": 2}
        assert await _completed(sink) == {"nap", "one", "two"}


async def _has(sink: ProgressSink[ProgressBatch], name: str) -> bool:
    return name in await _completed(sink)


def test_a_signal_in_the_new_run_wins_over_the_carried_state() -> None:
    gate = PauseGate()
    gate.restore(True)
    assert gate.paused
    gate = PauseGate()
    gate.resume()
    gate.restore(True)
    assert not gate.paused
    gate = PauseGate()
    gate.pause()
    gate.restore(False)
    assert gate.paused
