"""The interpreter workflow id and its inverse."""

from __future__ import annotations

import pytest
from stigmer_protos.temporal_names import execution_id_of_interpreter, interpreter_workflow_id


@pytest.mark.parametrize("execution_id", ["wex-01jabc", "exec-with-dashes", "a/b@c"])
def test_inverse_round_trips(execution_id: str) -> None:
    assert execution_id_of_interpreter(interpreter_workflow_id(execution_id)) == execution_id


@pytest.mark.parametrize(
    "workflow_id",
    [
        None,
        "",
        "workflow-exec-",
        "wf-123",
        "stigmer/workflow-execution/invoke/wex-1",
        "xworkflow-exec-wex-1",
        "WORKFLOW-EXEC-wex-1",
    ],
)
def test_other_workflow_ids_name_no_execution(workflow_id: str | None) -> None:
    assert execution_id_of_interpreter(workflow_id) is None
