"""Which execution an engine activity works for: the one whose interpreter workflow scheduled it.

Arguments are chosen by whoever schedules the activity (a document's ``call: activity``, any
Temporal client), so they never name the execution. Temporal records the scheduling workflow,
and the interpreter workflow of an execution has the id
:func:`~stigmer_protos.temporal_names.interpreter_workflow_id` of it.
"""

from __future__ import annotations

from stigmer_protos.temporal_names import execution_id_of_interpreter
from temporalio import activity
from temporalio.exceptions import ApplicationError

NOT_AN_INTERPRETER = "NotScheduledByInterpreter"
"""``ApplicationError.type`` of an activity refused because no interpreter workflow scheduled it."""


def scheduling_execution_id() -> str:
    """The execution id of the interpreter workflow that scheduled the running activity.

    Raises:
        ApplicationError: Non-retryable, type :data:`NOT_AN_INTERPRETER`, when the scheduling
            workflow is not an interpreter workflow (or there is none).
    """
    workflow_id = activity.info().workflow_id
    execution_id = execution_id_of_interpreter(workflow_id)
    if execution_id is None:
        raise ApplicationError(
            f"activity {activity.info().activity_type} was scheduled by workflow "
            f"{workflow_id!r}, which is not an execution's interpreter workflow: it gets no "
            "secrets and reports no progress",
            type=NOT_AN_INTERPRETER,
            non_retryable=True,
        )
    return execution_id
