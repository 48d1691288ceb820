"""How a subflow's end becomes its terminal status (``ServerlessWorkflowRecordSubflowStatus``)."""

from __future__ import annotations

from typing import Any

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.json_values import from_fields
from workflow_runner.activities.subflow import outcome_status
from workflow_runner.engine.contract import SubflowOutcome

P = wex.ExecutionPhase


@pytest.mark.parametrize("output", [{"total": 13}, [1, 2], "text", 0, None])
def test_a_completed_subflow_keeps_its_output_of_any_json_type(output: Any) -> None:
    status = outcome_status(SubflowOutcome("COMPLETED", output=output))

    assert status.phase == P.EXECUTION_COMPLETED
    assert from_fields(status.output, status.output_value) == output


def test_a_failed_subflow_keeps_its_error_object() -> None:
    error = {"type": "https://example.com/broken", "status": 422, "title": "Broken"}

    status = outcome_status(SubflowOutcome("FAILED", error="Broken", details=error))

    assert status.phase == P.EXECUTION_FAILED and status.error == "Broken"
    assert status.error_details is not None and status.error_details.to_dict() == error


def test_a_cancelled_subflow_is_cancelled() -> None:
    status = outcome_status(SubflowOutcome("CANCELLED", error="cancelled"))

    assert (status.phase, status.error) == (P.EXECUTION_CANCELLED, "cancelled")
