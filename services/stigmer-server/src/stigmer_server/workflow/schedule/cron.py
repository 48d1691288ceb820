"""The cron expressions a document's ``schedule.cron`` may hold, and their shortest gap.

Five fields (minute, hour, day of month, month, day of week) with ``*``, values, names
(``JAN``, ``MON``), ranges, steps and lists, or one of the ``@hourly``-style macros: the subset
of Temporal's cron syntax with one-minute resolution. Checked here so that a bad expression is
refused at apply, before anything is stored.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_MAX_CHARS = 200


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    first_name: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS, 1),
    _Field("day of week", 0, 7, _DAYS, 0),
)


class CronError(ValueError):
    """The expression is outside the supported cron syntax; the message says where."""


def _value(text: str, field: _Field) -> int:
    upper = text.upper()
    if upper in field.names:
        return field.names.index(upper) + field.first_name
    if not text.isdigit():
        raise CronError(f"{field.name}: {text!r} is not a number")
    value = int(text)
    if not field.low <= value <= field.high:
        raise CronError(f"{field.name}: {value} is outside {field.low}-{field.high}")
    return value


def _values(text: str, field: _Field) -> frozenset[int]:
    found: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise CronError(f"{field.name}: step {step_text!r} is not a positive number")
            step = int(step_text)
        if base == "*":
            low, high = field.low, field.high
        else:
            start, dash, end = base.partition("-")
            low = _value(start, field)
            high = _value(end, field) if dash else (field.high if slash else low)
            if high < low:
                raise CronError(f"{field.name}: range {base!r} runs backwards")
        found.update(range(low, high + 1, step))
    return frozenset(found)


def _parse(expression: str) -> tuple[frozenset[int], ...]:
    text = MACROS.get(expression.strip().lower(), expression)
    parts = text.split()
    if len(parts) != len(_FIELDS):
        raise CronError(
            "expected five fields (minute hour day-of-month month day-of-week) or one of "
            + ", ".join(MACROS)
        )
    return tuple(_values(part, field) for part, field in zip(parts, _FIELDS, strict=True))


def shortest_gap(expression: str) -> timedelta:
    """Check ``expression`` and return a lower bound of the time between two of its runs.

    The bound comes from the minute and hour fields (runs within a day, and from the last run
    of a day to the first of the next); the day fields can only make gaps longer.

    Raises:
        CronError: The expression is not supported.
    """
    if len(expression) > _MAX_CHARS:
        raise CronError(f"at most {_MAX_CHARS} characters")
    minutes, hours, *_ = _parse(expression)
    times = sorted(h * 60 + m for h in hours for m in minutes)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    gaps.append(times[0] + 24 * 60 - times[-1])
    return timedelta(minutes=min(gaps))
