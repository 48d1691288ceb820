"""The workflow's event inbox: CloudEvents arrive as Temporal signals, ``listen`` consumes them.

Events that arrive while no ``listen`` task wants them are kept (FIFO, up to
:data:`MAX_BUFFERED`) so a producer racing the workflow does not lose them; each event is consumed
by at most one filter of one ``listen``. An event whose (``source``, ``id``) the inbox received
already (among the last :data:`MAX_REMEMBERED`) is dropped: the event ingress delivers at least
once (ADR 0037), the inbox makes it once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stigmer_dsl import expressions, filter_patterns

MAX_BUFFERED = 1000
MAX_REMEMBERED = 1000
DEDUPE_PATCH = "event-inbox-dedupe"
"""Histories recorded before the inbox dropped repeated events replay without it."""

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

    seen: dict[tuple[str, str], None] = field(default_factory=dict)

    def receive(self, event: Any, *, dedupe: bool = True) -> None:
        """Accept one CloudEvent (a JSON object); the oldest is dropped beyond the cap.

        A repeat of a recently received (``source``, ``id``) is ignored.
        """
        if not isinstance(event, dict):
            event = {"data": event}
        key = identity(event)
        if key is not None and dedupe:
            if key in self.seen:
                return
            self.seen[key] = None
            if len(self.seen) > MAX_REMEMBERED:
                del self.seen[next(iter(self.seen))]
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


def identity(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """A CloudEvent's identity, (``source``, ``id``), when it has both as strings."""
    source, id_ = event.get("source"), event.get("id")
    if isinstance(source, str) and isinstance(id_, str) and source and id_:
        return source, id_
    return None


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


class Correlation:
    """A ``listen`` filter's ``correlate`` keys and the values they expect.

    ``from`` is evaluated on the event envelope; ``expect`` (a constant, or an expression on the
    ``listen`` task's input) is resolved once when the ``listen`` starts; a key without
    ``expect`` takes the first value it extracts from a matching event as its expectation.
    """

    def __init__(self, correlate: Mapping[str, Any], expected: dict[str, Any]) -> None:
        """``expected``: the resolved expectations (keys without ``expect`` are absent)."""
        self.correlate = correlate
        self.expected = expected

    @classmethod
    def resolve(
        cls, filter_: Mapping[str, Any] | None, task_input: Any, evaluate: Evaluate
    ) -> Correlation:
        """The correlation of ``filter_``, its ``expect`` values evaluated on ``task_input``."""
        correlate: Mapping[str, Any] = (filter_ or {}).get("correlate") or {}
        expected: dict[str, Any] = {}
        for name, item in correlate.items():
            if "expect" not in item:
                continue
            expect = item["expect"]
            if expressions.is_runtime_expression(expect):
                expect = evaluate(expressions.strip_expression(expect), task_input)
            expected[name] = expect
        return cls(correlate, expected)

    def extract(self, event: Mapping[str, Any], evaluate: Evaluate) -> dict[str, Any] | None:
        """The correlation values of ``event``, or None when one differs from its expectation."""
        values: dict[str, Any] = {}
        for name, item in self.correlate.items():
            value = evaluate(expressions.strip_expression(str(item["from"])), dict(event))
            if name in self.expected and value != self.expected[name]:
                return None
            values[name] = value
        return values

    def accept(self, values: Mapping[str, Any]) -> None:
        """Keep the values of a consumed event as the expectation of keys without one."""
        for name, value in values.items():
            self.expected.setdefault(name, value)

    def describe(self) -> dict[str, Any]:
        """The keys for the event ingress's index: ``from`` and, once known, ``expect``."""
        return {
            name: {"from": str(item["from"])}
            | ({"expect": self.expected[name]} if name in self.expected else {})
            for name, item in self.correlate.items()
        }
