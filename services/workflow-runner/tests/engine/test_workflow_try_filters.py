"""``catch``/``retry`` ``when``/``exceptWhen`` see the caught error as ``.``; attempt.duration.

``try_filters_before_patch.json`` was recorded by the code *before* these rules (the task input
as ``.``, ``limit.attempt.duration`` ignored): its replay checks that executions started by
older workers keep their behaviour (the ``workflow.patched`` guards in ``tasks/try_.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

HISTORIES = Path(__file__).parent / "histories"
ERR = "https://serverlessworkflow.io/spec/1.0.0/errors/"

# Before the patch: `.flag` reads the task input (true), so the error is caught and retried
# three times (attempt.duration ignored), then catch.do runs. After it, `.flag` reads the
# error (null): the error is not caught.
BEFORE_PATCH = f"""
document: {{dsl: '1.0.0', namespace: replay, name: try-filters, version: '1.0.0'}}
do:
  - guarded:
      try:
        - fail:
            raise:
              error: {{type: {ERR}validation, status: 400, title: Expected}}
      catch:
        as: err
        when: '${{ .flag == true }}'
        retry:
          when: '${{ .flag == true }}'
          delay: {{milliseconds: 20}}
          limit:
            attempt: {{count: 3, duration: {{milliseconds: 1}}}}
        do:
          - recover:
              set: {{recovered: '${{ $err.status }}'}}
"""


@pytest.mark.skipif(
    os.environ.get("STIGMER_RECORD_HISTORIES") != "1", reason="records histories on demand"
)
async def test_record_before_patch(engine: Any, temporal_client: Client) -> None:
    run = await engine(BEFORE_PATCH, {"flag": True})
    assert run.output == {"recovered": 400}
    history = await temporal_client.get_workflow_handle(run.workflow_id).fetch_history()
    (HISTORIES / "try_filters_before_patch.json").write_text(
        json.dumps(json.loads(history.to_json()), indent=1) + "\n"
    )


def _doc(catch: str) -> str:
    return f"""
document: {{dsl: '1.0.0', namespace: test, name: try-filters, version: '1.0.0'}}
do:
  - guarded:
      try:
        - fail:
            raise:
              error: {{type: {ERR}communication, status: 503, title: Down}}
      catch:
        as: err
{catch}
"""


def _attempts(run: Any) -> int:
    """How many times the ``fail`` task ran (each attempt flushes its FAILED row)."""
    return sum(
        1
        for batch in run.sink.batches
        for row in batch.tasks
        if row.task_id.endswith("/fail") and row.status == "FAILED"
    )


@pytest.mark.parametrize(
    ("filters", "caught"),
    [
        ("when: '${ .status == 503 }'", True),
        ("when: '${ .title == \"Other\" }'", False),
        ("exceptWhen: '${ .status == 503 }'", False),
        ("exceptWhen: '${ .status == 400 }'", True),
        # The `as` variable and $input stay available.
        ("when: '${ $err.title == \"Down\" and $input.flag }'", True),
    ],
)
async def test_catch_filters_read_the_error(engine: Any, filters: str, caught: bool) -> None:
    catch = f"        {filters}\n        do:\n          - recover: {{set: {{recovered: '${{ $err.status }}'}}}}"
    run = await engine(_doc(catch), {"status": 200, "title": "input", "flag": True})
    if caught:
        assert run.error is None, run.error
        assert run.output == {"recovered": 503}
    else:
        assert run.error_dict["status"] == 503


@pytest.mark.parametrize(
    ("filters", "attempts"),
    [
        ("when: '${ .status == 503 }'", 3),
        ("when: '${ .status == 200 }'", 1),
        ("exceptWhen: '${ .type | endswith(\"/communication\") }'", 1),
        ("exceptWhen: '${ $err.status != 503 }'", 3),
    ],
)
async def test_retry_filters_read_the_error(engine: Any, filters: str, attempts: int) -> None:
    catch = f"""        retry:
          {filters}
          limit: {{attempt: {{count: 2}}}}
        do:
          - recover: {{set: {{recovered: true}}}}"""
    run = await engine(_doc(catch), {"status": 200})
    assert run.output == {"recovered": True}, run.error
    assert _attempts(run) == attempts


async def test_attempt_duration_stops_the_retries(skipping_engine: Any) -> None:
    """Errors at 0 s and 60 s are retried; the one at 120 s is past the 90 s window."""
    catch = """        retry:
          delay: {minutes: 1}
          limit: {attempt: {count: 10, duration: {seconds: 90}}}"""
    run = await skipping_engine(_doc(catch))
    assert run.error_dict["status"] == 503
    assert _attempts(run) == 3


async def test_attempt_duration_allows_the_attempts_within_it(skipping_engine: Any) -> None:
    catch = """        retry:
          delay: {minutes: 1}
          limit: {attempt: {count: 4, duration: {hours: 1}}}"""
    run = await skipping_engine(_doc(catch))
    assert run.error_dict["status"] == 503
    assert _attempts(run) == 5
