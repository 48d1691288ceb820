"""Evaluating a jq expression over a large context in a local activity (ADR 0033).

jq parsing and printing a 10 MB context takes about a second per expression: in workflow code
that time counts against Temporal's 2 s deadlock detection. From
:data:`~stigmer_protos.limits.EXPRESSION_OFFLOAD_BYTES` of encoded context on, the interpreter
hands the program and the already encoded document to the local activity
:data:`~stigmer_protos.temporal_names.EVALUATE_EXPRESSION_ACTIVITY`, which runs it in the same
jq worker pool under the same budget. The outcome (a budget hit included) is the activity's
result, recorded in history (externally stored when large), so a replay reads it instead of
evaluating again. The document and the outcome travel as ``json/plain`` payloads built from
text (:class:`~temporalio.common.RawValue`), so the workflow encodes nothing twice and decodes
the outcome in one ``json.loads``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stigmer_protos.temporal_names import EVALUATE_EXPRESSION_ACTIVITY
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue, RetryPolicy

from workflow_runner.engine.expression_pool import (
    JqError,
    Outcome,
    OutputTooLarge,
    Overrun,
    Result,
    pool,
)

OFFLOAD_PATCH = "expression-offload"
"""``workflow.patched`` id: runs started before evaluate large contexts in workflow code."""

START_TO_CLOSE = timedelta(seconds=120)
"""One attempt: waiting for a free jq worker, moving the document, the budgeted evaluation."""

RETRY = RetryPolicy(maximum_attempts=3)
"""Attempts after an infrastructure failure (a budget hit is a result, never retried)."""


@dataclass(frozen=True)
class Decoded:
    """A finished offloaded evaluation: its first result, already decoded (None for none)."""

    value: Any


def _json_payload(text: str) -> RawValue:
    return RawValue(Payload(metadata={"encoding": b"json/plain"}, data=text.encode()))


def outcome_payload(outcome: Outcome) -> RawValue:
    """The activity's result: ``outcome`` as one JSON object, a result's text embedded as is."""
    if isinstance(outcome, Result):
        return _json_payload(f'{{"result": {outcome.text}}}' if outcome.text else "{}")
    if isinstance(outcome, JqError):
        return _json_payload(json.dumps({"error": outcome.message}))
    if isinstance(outcome, OutputTooLarge):
        return _json_payload(json.dumps({"too_large": outcome.size, "limit": outcome.limit}))
    return _json_payload(json.dumps({"overrun": outcome.kind}))


def outcome_of(payload: RawValue) -> Decoded | JqError | OutputTooLarge | Overrun:
    """Decode :func:`outcome_payload`."""
    answer: dict[str, Any] = json.loads(payload.payload.data)
    if "error" in answer:
        return JqError(str(answer["error"]))
    if "too_large" in answer:
        return OutputTooLarge(int(answer["too_large"]), int(answer["limit"]))
    if "overrun" in answer:
        return Overrun(str(answer["overrun"]))
    return Decoded(answer.get("result"))


async def evaluate(program: str, document: str) -> Decoded | JqError | OutputTooLarge | Overrun:
    """Evaluate ``program`` on the JSON text ``document`` in the local activity (workflow code)."""
    result: RawValue = await workflow.execute_local_activity(
        EVALUATE_EXPRESSION_ACTIVITY,
        args=[program, _json_payload(document)],
        result_type=RawValue,
        start_to_close_timeout=START_TO_CLOSE,
        retry_policy=RETRY,
    )
    return outcome_of(result)


@activity.defn(name=EVALUATE_EXPRESSION_ACTIVITY)
async def evaluate_expression(program: str, document: RawValue) -> RawValue:
    """The local activity: one budgeted evaluation in the process's jq worker pool."""
    text = document.payload.data.decode()
    return outcome_payload(await asyncio.to_thread(pool().evaluate, program, text))
