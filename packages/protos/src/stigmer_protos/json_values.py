"""JSON values read out of ``google.protobuf.Struct`` / ``Value``, and the API's value fields.

The execution API carries a JSON value (a workflow output, a task's input or output) in two
fields: Stigmer's ``Struct`` field holds an object, the additive ``Value`` field (``output_value``,
``input_value``) any other JSON type. :func:`to_fields` and :func:`from_fields` are the one rule
for writing and reading that pair.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from stigmer_protos.google import protobuf as wkt

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


def to_fields(value: Any) -> tuple[wkt.Struct | None, wkt.Value | None]:
    """The ``(Struct, Value)`` field pair carrying the JSON value ``value``.

    An object goes in the Struct (what Stigmer's clients read), any other JSON value (number,
    string, boolean, array, null) in the Value; the other field of the pair is unset.
    """
    if isinstance(value, Mapping):
        return wkt.Struct.from_dict(dict(value)), None
    return None, wkt.Value.from_dict(value)


def from_fields(struct: wkt.Struct | None, value: wkt.Value | None) -> Any:
    """The JSON value a ``(Struct, Value)`` field pair holds: the Value when set, else the Struct.

    Both unset reads as ``None`` (JSON null). Numbers come back as the doubles the wire holds
    (see :func:`whole_numbers`).
    """
    if value is not None:
        return value.to_dict()
    if struct is not None:
        return struct.to_dict()
    return None
