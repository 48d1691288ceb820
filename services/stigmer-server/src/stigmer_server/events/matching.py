"""Which registered ``listen`` filters an event may be for (pure; no Redis, no Temporal).

The runner describes each waiting filter (ADR 0037): its literal attributes, whether those are
all it checks (``complete``), and its ``correlate`` keys (``from``, and ``expect`` once known).
The server decides what it can without running the document's jq: literal attributes, and
correlation keys whose ``from`` is a plain path (``.data.orderId``). The runner's ``listen``
checks every event it receives again, fully; the server's verdict only routes.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stigmer_dsl import expressions

ANY_TYPE = "*"
"""Index of the filters without a literal ``type``."""

MAX_FILTERS = 32
"""Filters of one ``listen`` task the server indexes (more are refused at registration)."""

_PATH = re.compile(r"^(\.[A-Za-z_][A-Za-z0-9_]*)+$")


class Verdict(enum.Enum):
    """What the server knows about an event and a filter."""

    NO = "no"
    MAYBE = "maybe"
    """Deliver it; the runner decides (a ``with`` expression or pattern, a jq ``from``, or an
    expectation the runner fixes from the first event)."""
    YES = "yes"
    """It matches every check: delivering it consumes it."""


@dataclass(frozen=True)
class Listener:
    """One filter of one waiting ``listen`` task.

    Attributes:
        execution_id: The waiting execution.
        task_id: The ``listen`` task's progress id.
        index: The filter's position among the task's filters.
        attributes: Its literal attributes.
        complete: Whether ``attributes`` are all the filter checks.
        correlate: Its correlation keys: name -> ``{"from": ..., "expect": ...}``.
    """

    execution_id: str
    task_id: str
    index: int
    attributes: Mapping[str, Any]
    complete: bool
    correlate: Mapping[str, Mapping[str, Any]]

    @property
    def field(self) -> str:
        """Its name in its type's index."""
        return f"{self.execution_id} {self.index} {self.task_id}"

    @property
    def event_type(self) -> str:
        """The type it is indexed under."""
        value = self.attributes.get("type")
        return value if isinstance(value, str) else ANY_TYPE

    def to_json(self) -> str:
        """Its stored form."""
        return json.dumps(
            {
                "e": self.execution_id,
                "t": self.task_id,
                "i": self.index,
                "a": dict(self.attributes),
                "c": self.complete,
                "k": {name: dict(item) for name, item in self.correlate.items()},
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Listener:
        """Read the stored form."""
        raw = json.loads(text)
        return cls(raw["e"], raw["t"], int(raw["i"]), raw["a"], bool(raw["c"]), raw["k"])


def listeners_of(execution_id: str, task_id: str, described: Any) -> list[Listener]:
    """The filters a progress row's ``listen`` metadata describes (none if it is malformed)."""
    if not isinstance(described, Mapping):
        return []
    filters = described.get("filters")
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        return []
    found: list[Listener] = []
    for index, item in enumerate(filters):
        if not isinstance(item, Mapping):
            return []
        attributes = item.get("with") or {}
        correlate = item.get("correlate") or {}
        if not isinstance(attributes, Mapping) or not isinstance(correlate, Mapping):
            return []
        if not all(
            isinstance(c, Mapping) and isinstance(c.get("from"), str) for c in correlate.values()
        ):
            return []
        found.append(
            Listener(
                execution_id, task_id, index, attributes, item.get("complete") is True, correlate
            )
        )
    return found


def verdict(listener: Listener, event: Mapping[str, Any]) -> Verdict:
    """Whether ``event`` is for ``listener``, as far as the server can tell."""
    for name, expected in listener.attributes.items():
        if name not in event or event[name] != expected:
            return Verdict.NO
    sure = listener.complete
    for item in listener.correlate.values():
        path = expressions.strip_expression(str(item["from"]))
        if "expect" not in item or not _PATH.match(path):
            sure = False
            continue
        if _at(event, path) != item["expect"]:
            return Verdict.NO
    return Verdict.YES if sure else Verdict.MAYBE


def _at(value: Any, path: str) -> Any:
    """jq's ``.a.b`` on JSON: null for a missing key or a non-object on the way."""
    for name in path[1:].split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value
