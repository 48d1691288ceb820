"""The workflow's event inbox: CloudEvents arrive as Temporal signals, ``listen`` consumes them.

Events that arrive while no ``listen`` task wants them are kept (FIFO, up to
:data:`MAX_BUFFERED`) so a producer racing the workflow does not lose them; each event is consumed
by at most one filter of one ``listen``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stigmer_dsl import expressions, filter_patterns

MAX_BUFFERED = 1000

Evaluate = Callable[[str, Any], Any]


@dataclass
class PendingListen:
    """A ``listen`` task waiting for events (reported by the ``pending_listens`` query)."""

    task_id: str
    task_name: str
    to: Mapping[str, Any]
    consumed: int = 0


@dataclass
class EventInbox:
    """Received, not yet consumed events and the ``listen`` tasks waiting for them."""

    events: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    received: int = 0
    dropped: int = 0
    pending: dict[str, PendingListen] = field(default_factory=dict)

    def receive(self, event: Any) -> None:
        """Accept one CloudEvent (a JSON object); the oldest is dropped beyond the cap."""
        if not isinstance(event, dict):
            event = {"data": event}
        self.received += 1
        self.events.append((self.received, dict(event)))
        if len(self.events) > MAX_BUFFERED:
            self.events.pop(0)
            self.dropped += 1

    def restore(self, events: list[dict[str, Any]], numbers: list[int], received: int) -> None:
        """Put back the events a previous run buffered (continue-as-new), before newer ones.

        Events this run already received are renumbered after the carried ``received`` count.
        """
        fresh = [(received + number, event) for number, event in self.events]
        self.events = [*zip(numbers, events, strict=True), *fresh][-MAX_BUFFERED:]
        self.received += received

    def take(
        self, predicate: Callable[[dict[str, Any]], bool]
    ) -> tuple[int, dict[str, Any]] | None:
        """Remove and return (arrival number, event) of the oldest event matching ``predicate``."""
        for index, (_, event) in enumerate(self.events):
            if predicate(event):
                return self.events.pop(index)
        return None

    def describe_pending(self) -> list[dict[str, Any]]:
        """The ``pending_listens`` query result."""
        return [
            {
                "taskId": p.task_id,
                "taskName": p.task_name,
                "to": dict(p.to),
                "consumed": p.consumed,
                "buffered": len(self.events),
            }
            for p in self.pending.values()
        ]


def matches(
    filter_: Mapping[str, Any] | None, event: Mapping[str, Any], evaluate: Evaluate
) -> bool:
    """Whether ``event`` satisfies an event filter's ``with`` attributes.

    A runtime expression is evaluated against the attribute's value and must be truthy; a
    string equal to the attribute matches; a string written ``/pattern/`` is a regular
    expression the attribute must fully match (see :mod:`filter_patterns`); any other value
    must be equal.

    Raises:
        WorkflowError: A pattern ran out of its time budget.
    """
    properties = (filter_ or {}).get("with") or {}
    for key, expected in properties.items():
        if key not in event:
            return False
        actual = event[key]
        if expressions.is_runtime_expression(expected):
            if not expressions.truthy(evaluate(expressions.strip_expression(expected), actual)):
                return False
        elif isinstance(expected, str):
            if not isinstance(actual, str):
                return False
            if actual == expected:
                continue
            pattern = filter_patterns.pattern_of(expected)
            if pattern is None or not filter_patterns.full_match(pattern, actual):
                return False
        elif actual != expected:
            return False
    return True


def read(event: Mapping[str, Any], mode: str) -> Any:
    """The consumed value for ``listen.read``: ``data``, ``envelope`` or ``raw``."""
    if mode == "envelope":
        return dict(event)
    if mode == "raw":
        return event.get("data_base64", event.get("data"))
    return event.get("data")
