"""Conversions between plain JSON-like Python values and protobuf Struct / Value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stigmer_protos.google import protobuf as wkt
from stigmer_protos.json_values import whole_numbers

from stigmer_dsl.errors import ConversionError


def normalize(value: Any) -> Any:
    """Return ``value`` with integral floats turned back into ints (see ``whole_numbers``)."""
    return whole_numbers(value)


def check_json(value: Any, path: str, field: str) -> None:
    """Raise if ``value`` cannot be stored in a ``google.protobuf.Value`` without change.

    Raises:
        ConversionError: A mapping key is not a string, or a leaf is not a JSON scalar.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConversionError(path, field, f"mapping key {key!r} is not a string")
            check_json(item, path, f"{field}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_json(item, path, f"{field}[{index}]")
        return
    raise ConversionError(
        path, field, f"{type(value).__name__} is not a JSON value (quote it in YAML)"
    )


def to_struct(value: Any, path: str, field: str) -> wkt.Struct:
    """Convert a mapping to a ``Struct``.

    Raises:
        ConversionError: ``value`` is not a mapping of JSON values.
    """
    if not isinstance(value, Mapping):
        raise ConversionError(path, field, f"must be an object, got {type(value).__name__}")
    check_json(value, path, field)
    return wkt.Struct.from_dict(dict(value))


def to_value(value: Any, path: str, field: str) -> wkt.Value:
    """Convert any JSON value to a ``google.protobuf.Value``.

    Raises:
        ConversionError: ``value`` is not a JSON value.
    """
    check_json(value, path, field)
    return wkt.Value.from_dict(value)


def struct_to_dict(struct: wkt.Struct | None) -> dict[str, Any] | None:
    """Convert a ``Struct`` (or ``None``) to a plain dict with integral numbers as ints."""
    if struct is None:
        return None
    result = normalize(struct.to_dict())
    assert isinstance(result, dict)
    return result


def value_to_py(value: wkt.Value | None) -> Any:
    """Convert a ``google.protobuf.Value`` to a plain Python value (``None`` if unset)."""
    if value is None:
        return None
    return normalize(value.to_dict())
