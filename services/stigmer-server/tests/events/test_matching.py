"""What the server can tell about an event and a waiting filter without running jq."""

from __future__ import annotations

from typing import Any

import pytest
from stigmer_server.events.matching import (
    ANY_TYPE,
    MAX_FILTERS,
    Listener,
    Verdict,
    listeners_of,
    verdict,
)

EVENT = {"type": "approval", "source": "s", "id": "1", "data": {"order": "A", "n": 1}}


def _listener(**described: Any) -> Listener:
    [listener] = listeners_of("wex-1", "/do/0/wait", {"filters": [described]})
    return listener


@pytest.mark.parametrize(
    ("described", "expected"),
    [
        ({"with": {"type": "approval"}, "complete": True}, Verdict.YES),
        ({"with": {"type": "other"}, "complete": True}, Verdict.NO),
        ({"with": {"type": "approval"}, "complete": False}, Verdict.MAYBE),
        (
            {
                "with": {"type": "approval"},
                "complete": True,
                "correlate": {"o": {"from": "${ .data.order }", "expect": "A"}},
            },
            Verdict.YES,
        ),
        (
            {
                "with": {"type": "approval"},
                "complete": True,
                "correlate": {"o": {"from": ".data.order", "expect": "B"}},
            },
            Verdict.NO,
        ),
        (
            {
                "with": {"type": "approval"},
                "complete": True,
                "correlate": {"o": {"from": ".data.missing.deeper", "expect": None}},
            },
            Verdict.YES,
        ),
        (
            {
                "with": {"type": "approval"},
                "complete": True,
                "correlate": {"o": {"from": ".data.order | ascii_downcase", "expect": "a"}},
            },
            Verdict.MAYBE,
        ),
        (
            {"with": {"type": "approval"}, "complete": True, "correlate": {"o": {"from": ".x"}}},
            Verdict.MAYBE,
        ),
    ],
)
def test_verdict(described: dict[str, Any], expected: Verdict) -> None:
    assert verdict(_listener(**described), EVENT) is expected


def test_a_filter_without_a_literal_type_is_indexed_under_any_type() -> None:
    assert _listener(**{"with": {"source": "s"}}).event_type == ANY_TYPE
    assert _listener(**{"with": {"type": "approval"}}).event_type == "approval"


def test_the_stored_form_reads_back() -> None:
    listener = _listener(
        **{"with": {"type": "t"}, "complete": True, "correlate": {"k": {"from": ".a"}}}
    )
    assert Listener.from_json(listener.to_json()) == listener


@pytest.mark.parametrize(
    "described",
    [
        None,
        "filters",
        {"filters": "x"},
        {"filters": [{"with": {}}] * (MAX_FILTERS + 1)},
        {"filters": [{"with": ["type"]}]},
        {"filters": [{"with": {}, "correlate": {"k": {"expect": 1}}}]},
        {"_truncated": True, "more_than_bytes": 8192},
    ],
)
def test_a_malformed_description_registers_nothing(described: Any) -> None:
    assert listeners_of("wex-1", "/do/0/wait", described) == []
