"""Evaluating jq runtime expressions in the runner's budgeted jq worker pool.

The language side (detection, scanning, load-time checks, the program envelope) is
:mod:`stigmer_dsl.expressions`; evaluation runs in worker processes under the operator's
budget, with replay markers (:mod:`.expression_budget`), so it stays in the runner. In workflow
code, an expression over a large context runs in a local activity instead
(:mod:`.offloaded_evaluation`, docs/adr/0033-large-values-by-reference.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stigmer_dsl.errors import make_error
from stigmer_dsl.expressions import (
    first_line,
    is_runtime_expression,
    program_text,
    scan,
    strip_expression,
)
from stigmer_protos.limits import EXPRESSION_OFFLOAD_BYTES
from temporalio import workflow

from workflow_runner.engine import expression_budget, offloaded_evaluation
from workflow_runner.engine.expression_pool import (
    JqError,
    Outcome,
    OutputTooLarge,
    Overrun,
    pool,
)


class _Data:
    """The value bound to ``.``, encoded as JSON once for all the expressions of one field.

    A ``set`` of several expressions evaluates each against the same input: encoding a 10 MB
    input once instead of once per expression saves most of the workflow code's time
    (docs/adr/0033-large-values-by-reference.md).
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = json.dumps(self.value)
        return self._text


def evaluate(expr: str, data: Any, variables: Mapping[str, Any], now: float) -> Any:
    """Evaluate a jq expression and return its first result (None when it yields nothing).

    Args:
        expr: The jq source (without ``${ }``).
        data: The value bound to ``.``.
        variables: Values of ``$name`` arguments; every name must be a jq identifier.
        now: Epoch seconds returned by jq ``now`` (the workflow clock).

    Every evaluation runs in the runner's jq worker pool under the operator's
    :class:`~workflow_runner.engine.config.ExpressionBudget` (see :mod:`.expression_budget`),
    in the calling thread: activities and ``listen`` filters use this one; the interpreter's
    task fields use :func:`evaluate_field` / :func:`evaluate_value`.

    Raises:
        WorkflowError: An expression error (type ``.../errors/expression``, status 400), or a
            ``runtime`` error (status 500) when the evaluation exceeded its budget.
    """
    program, document = _request(expr, _Data(data), variables, now)
    return _finish(expr, expression_budget.run(program, document))


async def _evaluate(expr: str, data: _Data, variables: Mapping[str, Any], now: float) -> Any:
    """:func:`evaluate`, in a local activity when the context is large (workflow code)."""
    program, document = _request(expr, data, variables, now)
    if (
        len(document) >= EXPRESSION_OFFLOAD_BYTES
        and workflow.in_workflow()
        and workflow.patched(offloaded_evaluation.OFFLOAD_PATCH)
    ):
        return _finish(expr, await offloaded_evaluation.evaluate(program, document))
    return _finish(expr, expression_budget.run(program, document))


def _request(expr: str, data: _Data, variables: Mapping[str, Any], now: float) -> tuple[str, str]:
    """The jq program and the JSON document (``now``, the variables read, ``.``) it runs on."""
    # Bind only the variables the expression reads: jq receives its inputs as JSON, and the
    # standard arguments (``$workflow`` holds the whole document) would otherwise be encoded
    # and parsed again on every evaluation.
    used = scan(expr).variables
    names = tuple(sorted(name for name in variables if name in used))
    bound = {name: variables[name] for name in names}
    # The same text as json.dumps({"n": now, "v": bound, "d": data}), with ``d`` encoded once.
    document = f'{{"n": {json.dumps(now)}, "v": {json.dumps(bound)}, "d": {data.text}}}'
    return program_text(expr, names), document


def _finish(expr: str, outcome: Outcome | offloaded_evaluation.Decoded) -> Any:
    """The evaluated value of ``outcome``, or the error it stands for."""
    if isinstance(outcome, JqError):
        raise make_error(
            "expression",
            f"evaluating {expr!r} failed: {first_line(outcome.message)}",
            title="Expression evaluation failed",
        )
    if isinstance(outcome, OutputTooLarge | Overrun):
        raise make_error(
            "runtime",
            f"evaluating {_shorten(expr)!r} exceeded the expression budget: {_overspent(outcome)}",
            title="Expression budget exceeded",
        )
    if isinstance(outcome, offloaded_evaluation.Decoded):
        return outcome.value
    return json.loads(outcome.text) if outcome.text else None


def _overspent(outcome: OutputTooLarge | Overrun) -> str:
    if isinstance(outcome, OutputTooLarge):
        return f"its output is {outcome.size} bytes, at most {outcome.limit} are allowed"
    budget = pool().budget
    if outcome.kind == "cpu":
        return f"it used more than {budget.cpu_seconds:g}s of CPU time"
    if outcome.kind == "time":
        wall = budget.cpu_seconds + budget.wall_slack_seconds
        return f"it ran longer than {wall:g}s of wall-clock time"
    return f"it needed more than {budget.max_memory_bytes} bytes of memory"


def _shorten(expr: str, limit: int = 200) -> str:
    return expr if len(expr) <= limit else expr[: limit - 3] + "..."


async def evaluate_field(value: Any, data: Any, variables: Mapping[str, Any], now: float) -> Any:
    """Evaluate a field that is always an expression (``if``, ``input.from``, ``for.in`` ...).

    A string is jq with or without ``${ }``; an object is evaluated recursively. In workflow
    code an expression over a large context runs in a local activity
    (:mod:`.offloaded_evaluation`).
    """
    if isinstance(value, str):
        return await _evaluate(strip_expression(value), _Data(data), variables, now)
    return await evaluate_value(value, data, variables, now)


async def evaluate_value(value: Any, data: Any, variables: Mapping[str, Any], now: float) -> Any:
    """Evaluate every ``${ }`` string inside a value (strict mode); other leaves are kept."""
    return await _evaluate_value(value, _Data(data), variables, now)


async def _evaluate_value(value: Any, data: _Data, variables: Mapping[str, Any], now: float) -> Any:
    if isinstance(value, str):
        if is_runtime_expression(value):
            return await _evaluate(strip_expression(value), data, variables, now)
        return value
    if isinstance(value, dict):
        return {k: await _evaluate_value(v, data, variables, now) for k, v in value.items()}
    if isinstance(value, list):
        return [await _evaluate_value(v, data, variables, now) for v in value]
    return value
