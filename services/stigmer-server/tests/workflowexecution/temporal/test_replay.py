"""Replays recorded histories of the orchestration workflow: a non-deterministic change fails.

Record them again after an intended change with ``STIGMER_RECORD_HISTORIES=1 hatch run test
services/stigmer-server/tests/workflowexecution/temporal``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from stigmer_protos.temporal import data_converter, sandbox_runner
from stigmer_server.workflowexecution.temporal.scheduled_run import ScheduledRunWorkflow
from stigmer_server.workflowexecution.temporal.worker import ORCHESTRATION_PACKAGE
from stigmer_server.workflowexecution.temporal.workflow import InvokeWorkflowExecutionWorkflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_checked_in() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "success",
        "runner_failure",
        "cancelled",
        "scheduled_run",  # recorded from tests/workflow/schedule/test_schedules.py
    }


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_replay(path: Path) -> None:
    replayer = Replayer(
        workflows=[InvokeWorkflowExecutionWorkflow, ScheduledRunWorkflow],
        data_converter=data_converter(),
        workflow_runner=sandbox_runner(ORCHESTRATION_PACKAGE),
    )
    history = WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())
    await replayer.replay_workflow(history)
