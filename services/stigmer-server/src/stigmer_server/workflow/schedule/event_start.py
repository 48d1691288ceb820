"""``schedule.on``: the events that start a workflow, checked at apply (ADR 0037)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stigmer_dsl.converter.values import struct_to_dict
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

from stigmer_server.errors import InvalidArgumentError

MAX_START_FILTERS = 16
"""Filters of one ``schedule.on`` (``any``)."""


@dataclass(frozen=True)
class EventStart:
    """Start one execution per accepted event that passes one of ``filters``.

    Attributes:
        filters: Each a mapping of CloudEvent attributes to the literal values they must have;
            every filter names a literal ``type``.
    """

    filters: tuple[Mapping[str, Any], ...]

    @property
    def event_types(self) -> frozenset[str]:
        """The event types its filters name."""
        return frozenset(str(f["type"]) for f in self.filters)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` passes one of the filters."""
        return any(all(event.get(k) == v for k, v in f.items()) for f in self.filters)


def event_start_of(spec: wf.WorkflowSpec | None) -> EventStart | None:
    """The ``schedule.on`` of a document, or None when it has none.

    Supported: ``one`` (an event that passes its filter) and ``any`` (an event that passes any
    of its filters), each event starting one execution whose input is ``[event]``; filters
    hold literal attributes, among them a literal ``type``. ``all`` and ``until`` (several
    correlated events per start) and ``correlate`` are refused.

    Raises:
        InvalidArgumentError: Naming the offending field (a JSON pointer under
            ``/schedule/on``).
    """
    schedule = struct_to_dict(spec.schedule) if spec is not None else None
    if not schedule or "on" not in schedule:
        return None
    on = schedule["on"]
    if not isinstance(on, Mapping) or len(on) != 1:
        raise InvalidArgumentError("/schedule/on", "must hold exactly one of one, any")
    (strategy, value), *_ = on.items()
    if strategy == "one":
        filters = [("/schedule/on/one", value)]
    elif strategy == "any":
        if not isinstance(value, list) or not value or len(value) > MAX_START_FILTERS:
            raise InvalidArgumentError(
                "/schedule/on/any", f"must be a list of 1 to {MAX_START_FILTERS} filters"
            )
        filters = [(f"/schedule/on/any/{i}", item) for i, item in enumerate(value)]
    else:
        raise InvalidArgumentError(
            f"/schedule/on/{strategy}",
            "not supported: an event-started schedule takes `one` or `any` (one execution per"
            " event); `all` and `until` are not supported yet",
        )
    return EventStart(tuple(_filter(pointer, item) for pointer, item in filters))


def _filter(pointer: str, item: Any) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise InvalidArgumentError(pointer, "must be an event filter")
    unknown = sorted(set(item) - {"with"})
    if unknown:
        raise InvalidArgumentError(
            f"{pointer}/{unknown[0]}", "not supported in a schedule (only `with`)"
        )
    attributes = item.get("with")
    if not isinstance(attributes, Mapping) or not isinstance(attributes.get("type"), str):
        raise InvalidArgumentError(f"{pointer}/with/type", "a literal event type is required")
    for name, value in attributes.items():
        if isinstance(value, (dict, list)) or (
            isinstance(value, str) and value.strip().startswith("${")
        ):
            raise InvalidArgumentError(
                f"{pointer}/with/{name}", "must be a literal value in a schedule"
            )
    return dict(attributes)
