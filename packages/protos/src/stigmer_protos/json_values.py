"""JSON values read out of ``google.protobuf.Struct`` / ``Value``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

_EXACT = 2**53  # beyond this a double no longer holds every integer


def whole_numbers(value: Any) -> Any:
    """Return ``value`` with integral floats turned back into ints, recursively.

    A Struct stores every number as a double, so ``{"petId": 2}`` comes back as ``2.0``: a jq
    string interpolation would then build ``/pets/2.0``, and DSL fields such as ``seconds`` or
    ``status`` expect integers. JSON does not tell ``2`` from ``2.0``, so nothing is lost.
    """
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) < _EXACT
    ):
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [whole_numbers(v) for v in value]
    return value
