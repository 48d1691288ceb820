"""The jq worker pool: results equal to in-process jq, budgets, and workers replaced after a kill."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import jq
import pytest
from workflow_runner.engine.config import ExpressionBudget
from workflow_runner.engine.expression_pool import (
    ExpressionPool,
    JqError,
    OutputTooLarge,
    Overrun,
    Result,
)

BURN = "reduce range(1e12) as $i (0; . + 1)"


@pytest.fixture
def make_pool() -> Iterator[Any]:
    pools: list[ExpressionPool] = []

    def make(**budget: Any) -> ExpressionPool:
        pools.append(ExpressionPool(ExpressionBudget(**budget)))
        return pools[-1]

    yield make
    for pool in pools:
        pool.close()


@pytest.mark.parametrize(
    ("program", "document"),
    [
        (".a", {"a": [1, 2.5, "x", None, True]}),
        (". as $x | {b: ($x.a | length), c: ($x | keys)}", {"a": "héllo", "z": {}}),
        (".[] | . * 2", [1, 2, 3]),
        ("empty", None),
        ('"multi\\nline"', None),
        ('[.[] | tostring] | join(",")', [1, [2], {"3": 4}]),
        (".n / 3", {"n": 10}),
        ("1e1000", None),
    ],
)
def test_results_equal_in_process_jq(make_pool: Any, program: str, document: Any) -> None:
    expected = jq.compile(program).input_value(document).all()
    outcome = make_pool().evaluate(program, json.dumps(document))
    assert isinstance(outcome, Result)
    assert (json.loads(outcome.text) if outcome.text else None) == (
        expected[0] if expected else None
    )


def test_jq_errors_come_back_as_messages(make_pool: Any) -> None:
    pool = make_pool()
    assert pool.evaluate('error("boom")', "null") == JqError("boom")
    syntax = pool.evaluate(".a +", "null")
    assert isinstance(syntax, JqError) and "syntax error" in syntax.message


def test_cpu_budget_stops_a_burn_and_the_worker_is_replaced(make_pool: Any) -> None:
    pool = make_pool(cpu_seconds=0.2, wall_slack_seconds=120, workers=1)
    assert pool.evaluate("1", "null") == Result("1")
    assert pool.evaluate(BURN, "null") == Overrun("cpu")
    assert pool.evaluate(". + 1", "41") == Result("42")
    assert pool.workers_started == 2


def test_wall_clock_backstop_stops_a_starved_worker(make_pool: Any) -> None:
    pool = make_pool(cpu_seconds=0.2, wall_slack_seconds=0.1, workers=1)
    pool.prestart()
    worker = pool._idle[0]
    worker.evaluate(b"1", b"null", 1.0, pool.budget)  # started and answering
    os.kill(worker.process.pid, signal.SIGSTOP)  # it gets no CPU from now on
    try:
        assert pool.evaluate("1", "null") == Overrun("time")
    finally:
        worker.process.kill()
    assert pool.evaluate("2", "null") == Result("2")


def test_output_budget(make_pool: Any) -> None:
    pool = make_pool(max_output_bytes=100)
    assert pool.evaluate("[range(10)]", "null") == Result("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")
    assert pool.evaluate("[range(100)]", "null") == OutputTooLarge(390, 100)
    assert pool.evaluate('range(30) | "abcd"', "null") == OutputTooLarge(209, 100)


def test_memory_budget(make_pool: Any) -> None:
    pool = make_pool(
        cpu_seconds=60, wall_slack_seconds=120, max_memory_bytes=256 * 1024 * 1024, workers=1
    )
    assert pool.evaluate("[range(1e9)] | length", "null") == Overrun("memory")
    assert pool.evaluate("[range(3)] | length", "null") == Result("3")


def test_a_worker_killed_while_idle_is_replaced(make_pool: Any) -> None:
    pool = make_pool(workers=1)
    pool.prestart()
    pool._idle[0].evaluate(b"1", b"null", 1.0, pool.budget)
    pool._idle[0].process.kill()
    pool._idle[0].process.wait()
    assert pool.evaluate(". * 2", "21") == Result("42")
    assert pool.workers_started == 2


def test_other_evaluations_go_on_during_a_burn(make_pool: Any) -> None:
    pool = make_pool(cpu_seconds=5, wall_slack_seconds=120, workers=2)
    pool.prestart()
    outcomes: list[Any] = []
    burning = threading.Thread(target=lambda: outcomes.append(pool.evaluate(BURN, "null")))
    burning.start()
    # The burn holds a worker, not the GIL: this thread keeps evaluating meanwhile.
    done = [pool.evaluate(". + 1", str(n)) for n in range(50)]
    still_burning = burning.is_alive()
    burning.join()
    assert done == [Result(str(n + 1)) for n in range(50)]
    assert still_burning
    assert outcomes == [Overrun("cpu")]


def test_budget_from_env() -> None:
    budget = ExpressionBudget.from_env(
        {
            "STIGMER_EXPRESSION_CPU_SECONDS": "0.25",
            "STIGMER_EXPRESSION_MAX_OUTPUT_BYTES": "2048",
            "STIGMER_EXPRESSION_WORKERS": "3",
        }
    )
    assert budget == ExpressionBudget(cpu_seconds=0.25, max_output_bytes=2048, workers=3)
    with pytest.raises(ValueError, match="STIGMER_EXPRESSION_CPU_SECONDS"):
        ExpressionBudget.from_env({"STIGMER_EXPRESSION_CPU_SECONDS": "-1"})


def test_prestart_returns_once_every_worker_is_ready(make_pool: Any) -> None:
    # An evaluation inside a workflow task must not wait for a process start (TMPRL1101).
    pool = make_pool(workers=2)
    pool.prestart()
    assert [w.ready for w in pool._idle] == [True, True]
    assert pool.evaluate("1", "null") == Result("1")
