"""The API's messages in protobuf's C runtime (upb), for hot paths that build many of them.

betterproto2 is pure Python: encoding one execution task row with its ``Struct`` values costs
about 0.3 ms, which a chain of pure tasks pays once per task. The C runtime builds and encodes
the same row in about 10 us. Its classes are made at run time from the descriptors betterproto2
already registers (no second generated package), so both produce the same wire format; a
property test in each user compares the two.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import betterproto2
from google.protobuf import message_factory
from google.protobuf.message import Message


@functools.cache
def message_class(message_type: type[betterproto2.Message]) -> type[Message]:
    """The C-runtime class of the betterproto2 message class ``message_type``."""
    descriptor = message_type.DESCRIPTOR  # type: ignore[attr-defined]
    return message_factory.GetMessageClass(descriptor)


def write_json(message: Message, struct_field: str, value_field: str, value: Any) -> None:
    """Set the ``(Struct, Value)`` field pair of ``message`` to the JSON value ``value``.

    The same rule as :func:`stigmer_protos.json_values.to_fields`: an object goes in the
    ``Struct`` field, any other JSON value (null included) in the ``Value`` field.
    """
    if isinstance(value, Mapping):
        target: Any = getattr(message, struct_field)
        target.SetInParent()  # an empty object is still a set field
        target.update(value)
        return
    target = getattr(message, value_field)
    holder = _list_value_class(target.DESCRIPTOR.file.pool)()
    holder.append(value)
    target.CopyFrom(holder.values[0])


@functools.cache
def _list_value_class(pool: Any) -> Any:
    """``google.protobuf.ListValue`` of ``pool`` (its ``append`` converts any JSON value)."""
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.protobuf.ListValue"))
