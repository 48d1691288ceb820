"""Evaluating jq runtime expressions in the runner's budgeted jq worker pool.

The language side (detection, scanning, load-time checks, the program envelope) is
:mod:`stigmer_dsl.expressions`; evaluation runs in worker processes under the operator's
budget, with replay markers (:mod:`.expression_budget`), so it stays in the runner.
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

from workflow_runner.engine import expression_budget
from workflow_runner.engine.expression_pool import (
    JqError,
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
    :class:`~workflow_runner.engine.config.ExpressionBudget` (see :mod:`.expression_budget`).

    Raises:
        WorkflowError: An expression error (type ``.../errors/expression``, status 400), or a
            ``runtime`` error (status 500) when the evaluation exceeded its budget.
    """
    return _evaluate(expr, _Data(data), variables, now)


def _evaluate(expr: str, data: _Data, variables: Mapping[str, Any], now: float) -> Any:
    # Bind only the variables the expression reads: jq receives its inputs as JSON, and the
    # standard arguments (``$workflow`` holds the whole document) would otherwise be encoded
    # and parsed again on every evaluation.
    used = scan(expr).variables
    names = tuple(sorted(name for name in variables if name in used))
    bound = {name: variables[name] for name in names}
    # The same text as json.dumps({"n": now, "v": bound, "d": data}), with ``d`` encoded once.
    document = f'{{"n": {json.dumps(now)}, "v": {json.dumps(bound)}, "d": {data.text}}}'
    outcome = expression_budget.run(program_text(expr, names), document)
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


def evaluate_field(value: Any, data: Any, variables: Mapping[str, Any], now: float) -> Any:
    """Evaluate a field that is always an expression (``if``, ``input.from``, ``for.in`` ...).

    A string is jq with or without ``${ }``; an object is evaluated recursively.
    """
    if isinstance(value, str):
        return evaluate(strip_expression(value), data, variables, now)
    return evaluate_value(value, data, variables, now)


def evaluate_value(value: Any, data: Any, variables: Mapping[str, Any], now: float) -> Any:
    """Evaluate every ``${ }`` string inside a value (strict mode); other leaves are kept."""
    return _evaluate_value(value, _Data(data), variables, now)


def _evaluate_value(value: Any, data: _Data, variables: Mapping[str, Any], now: float) -> Any:
    if isinstance(value, str):
        if is_runtime_expression(value):
            return _evaluate(strip_expression(value), data, variables, now)
        return value
    if isinstance(value, dict):
        return {k: _evaluate_value(v, data, variables, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_evaluate_value(v, data, variables, now) for v in value]
    return value
