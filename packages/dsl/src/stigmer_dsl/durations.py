"""DSL durations: ISO 8601 strings and inline ``{days, hours, minutes, seconds, milliseconds}``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

_ISO = re.compile(
    r"^P(?!$)(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_INLINE_KEYS = ("days", "hours", "minutes", "seconds", "milliseconds")


def parse_iso8601(text: str) -> timedelta:
    """Parse an ISO 8601 duration such as ``PT1M30S`` or ``P2DT3H``.

    Years and months have no fixed length, so they are rejected rather than guessed.

    Raises:
        ValueError: The text is not a supported ISO 8601 duration.
    """
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    if parts.get("years") or parts.get("months"):
        raise ValueError(f"durations with years or months are not supported: {text!r}")
    return timedelta(
        weeks=parts.get("weeks", 0.0),
        days=parts.get("days", 0.0),
        hours=parts.get("hours", 0.0),
        minutes=parts.get("minutes", 0.0),
        seconds=parts.get("seconds", 0.0),
    )


def to_timedelta(value: Any) -> timedelta:
    """Convert an evaluated DSL duration (ISO string or inline mapping) to a timedelta.

    Raises:
        ValueError: The value is not a valid duration.
    """
    if isinstance(value, str):
        return parse_iso8601(value)
    if isinstance(value, dict):
        unknown = set(value) - set(_INLINE_KEYS)
        if unknown or not value:
            raise ValueError(f"invalid inline duration: {value!r}")
        for key in _INLINE_KEYS:
            amount = value.get(key, 0)
            if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
                raise ValueError(f"duration {key} must be a non-negative number: {amount!r}")
        return timedelta(
            days=value.get("days", 0),
            hours=value.get("hours", 0),
            minutes=value.get("minutes", 0),
            seconds=value.get("seconds", 0),
            milliseconds=value.get("milliseconds", 0),
        )
    raise ValueError(f"invalid duration: {value!r}")
