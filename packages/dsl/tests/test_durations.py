"""Unit tests of DSL durations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from stigmer_dsl.durations import parse_iso8601, to_timedelta


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1S", timedelta(seconds=1)),
        ("PT1M30S", timedelta(minutes=1, seconds=30)),
        ("P2DT3H", timedelta(days=2, hours=3)),
        ("P1W", timedelta(weeks=1)),
        ("PT0.5S", timedelta(milliseconds=500)),
    ],
)
def test_iso8601(text: str, expected: timedelta) -> None:
    assert parse_iso8601(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "1S", "P1Y", "P1M", "PT1X"])
def test_iso8601_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso8601(text)


def test_inline() -> None:
    assert to_timedelta({"days": 1, "hours": 2, "minutes": 3, "seconds": 4, "milliseconds": 5}) == (
        timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=5)
    )
    with pytest.raises(ValueError):
        to_timedelta({"weeks": 1})
    with pytest.raises(ValueError):
        to_timedelta(5)
