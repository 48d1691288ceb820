"""The ``call: activity`` allow-list: parsing, internal names, queue resolution, load checks."""

from __future__ import annotations

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.activity_policy import (
    ActivityNotAllowedError,
    AllowedActivity,
    parse_allow_list,
    task_queue_for,
)
from stigmer_protos.temporal_names import INTERNAL_ACTIVITIES


def test_parse_entries() -> None:
    assert parse_allow_list(" ChargeCard@payments , Notify@notify,,*@sandbox,a@b@q ") == [
        AllowedActivity("ChargeCard", "payments"),
        AllowedActivity("Notify", "notify"),
        AllowedActivity("*", "sandbox"),
        AllowedActivity("a@b", "q"),
    ]


@pytest.mark.parametrize("entry", ["ChargeCard", "ChargeCard@", "@payments", " @ "])
def test_entry_needs_name_and_queue(entry: str) -> None:
    with pytest.raises(ValueError, match="STIGMER_CALL_ACTIVITY_ALLOW: entry"):
        parse_allow_list(entry)


def test_service_contract_names_are_internal() -> None:
    for name in ("ExecuteWorkflow", "UpdateWorkflowExecutionStatus", "ReportTaskProgress"):
        assert name in INTERNAL_ACTIVITIES


def test_internal_activity_denied_whatever_the_list_says() -> None:
    wildcard = [AllowedActivity("*", "zigflow_execution")]
    for name in INTERNAL_ACTIVITIES:
        with pytest.raises(ActivityNotAllowedError, match="internal to the engine"):
            task_queue_for(wildcard, name, "zigflow_execution")
        with pytest.raises(ActivityNotAllowedError, match="internal to the engine"):
            task_queue_for(None, name, None)


def test_queue_resolution() -> None:
    allowed = parse_allow_list("Charge@payments,Notify@a,Notify@b,*@sandbox")
    assert task_queue_for(allowed, "Charge", None) == "payments"
    assert task_queue_for(allowed, "Charge", "payments") == "payments"
    assert task_queue_for(allowed, "Other", None) == "sandbox"
    assert task_queue_for(allowed, "Charge", "sandbox") == "sandbox"
    assert task_queue_for(allowed, "Notify", "b") == "b"
    with pytest.raises(ActivityNotAllowedError, match=r"several task queues \(a, b\)"):
        task_queue_for(allowed, "Notify", None)
    with pytest.raises(ActivityNotAllowedError, match="on task queue 'notify' is not allowed"):
        task_queue_for(allowed, "Charge", "notify")
    assert task_queue_for(None, "Anything", None) is None
    with pytest.raises(ActivityNotAllowedError, match=r"several task queues \(s1, s2\)"):
        task_queue_for(parse_allow_list("*@s1,*@s2"), "Other", None)


HEAD = "document: {dsl: '1.0.3', namespace: test, name: acts, version: '1.0.0'}\ndo:\n"


def _problems(body: str, allowed: list[AllowedActivity] | None) -> str:
    with pytest.raises(DefinitionError) as exc:
        load_workflow(HEAD + body, allowed)
    return str(exc.value)


def test_load_rejects_literal_calls_not_allowed() -> None:
    body = """
  - charge:
      call: activity
      with: {name: Charge, taskQueue: other}
  - run:
      call: activity
      with: {name: ServerlessWorkflowRunProcess, taskQueue: '${ .q }'}
  - progress:
      call: activity
      with: {name: ReportTaskProgress, arguments: [{execution_id: wex-victim}]}
"""
    text = _problems(body, [AllowedActivity("Charge", "payments")])
    assert "/do/0/charge: activity 'Charge' on task queue 'other' is not allowed" in text
    assert "/do/1/run: activity 'ServerlessWorkflowRunProcess' is internal" in text
    assert "/do/2/progress: activity 'ReportTaskProgress' is internal" in text
    # Offline validation (no runner's list) still rejects internal activities.
    offline = _problems(body, None)
    assert "/do/0/charge" not in offline and "/do/1/run" in offline and "/do/2/progress" in offline


def test_load_leaves_expressions_to_run_time() -> None:
    body = """
  - dynamic:
      call: activity
      with: {name: '${ .name }', taskQueue: '${ .queue }'}
  - listed:
      call: activity
      with: {name: Charge}
"""
    load_workflow(HEAD + body, [AllowedActivity("Charge", "payments")])


def test_activity_calls_can_be_left_to_the_runner() -> None:
    # The server checks documents without knowing a runner's list: the runner decides calls.
    body = "  - a: {call: activity, with: {name: ReportTaskProgress, taskQueue: q}}\n"
    load_workflow(HEAD + body, check_activity_calls=False)
    with pytest.raises(DefinitionError, match="is internal to the engine"):
        load_workflow(HEAD + body)
