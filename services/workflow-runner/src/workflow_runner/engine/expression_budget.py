"""Evaluations under the budget, with budget hits in workflow code recorded for replay.

Whether an evaluation fits its CPU budget depends on the machine and its load, so workflow code
must not decide it twice: a hit in the original run records a patch marker
``stigmer-expression-budget-<n>-<kind>`` (``n`` counts the run's evaluations in order) before the
task faults. A replay faults evaluation ``n`` when its marker is in history, without running it,
and otherwise runs it with :data:`REPLAY_FACTOR` times the budget: the original run finished it
within one budget, so only a machine several times slower could fail it, and then the workflow
task fails (Temporal retries it) instead of the execution taking another path. Activities (e.g.
``$secrets`` resolution) need no marker: their failure is recorded as the activity's result.
"""

from __future__ import annotations

import threading
import weakref

from temporalio import workflow

from workflow_runner.engine.expression_pool import Outcome, Overrun, pool

REPLAY_FACTOR = 4
MARKER_PREFIX = "stigmer-expression-budget-"
KINDS = ("cpu", "time", "memory")


class _Counters:
    """Evaluations made so far by each running workflow instance (weakly keyed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_instance: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()

    def next(self, instance: object) -> int:
        with self._lock:
            number = self._by_instance.get(instance, 0)
            self._by_instance[instance] = number + 1
            return number


_counters = _Counters()


def run(program: str, document: str) -> Outcome:
    """Evaluate ``program`` on the JSON ``document`` in the process's expression pool.

    In workflow code a budget hit is decided once per evaluation and replayed from history.

    Raises:
        temporalio.workflow.NondeterminismError: On replay, an evaluation the original run
            finished did not finish within :data:`REPLAY_FACTOR` budgets.
    """
    evaluator = pool()
    if not workflow.in_workflow():
        return evaluator.evaluate(program, document)
    number = _counters.next(workflow.instance())
    if workflow.unsafe.is_replaying():
        for kind in KINDS:
            if workflow.patched(f"{MARKER_PREFIX}{number}-{kind}"):
                return Overrun(kind)
        outcome = evaluator.evaluate(
            program, document, cpu_seconds=evaluator.budget.cpu_seconds * REPLAY_FACTOR
        )
        if isinstance(outcome, Overrun):
            raise workflow.NondeterminismError(
                f"expression evaluation {number} finished within its budget in the original "
                f"run but exceeded {REPLAY_FACTOR} times that budget on replay"
            )
        return outcome
    outcome = evaluator.evaluate(program, document)
    if isinstance(outcome, Overrun):
        workflow.patched(f"{MARKER_PREFIX}{number}-{outcome.kind}")
        workflow.logger.warning(
            "expression evaluation %d exceeded its %s budget", number, outcome.kind
        )
    return outcome
