"""Protobuf wire bytes read and written without betterproto2: fields by number, lengths.

betterproto2 builds a Python object per field (tens of milliseconds for an execution of a few
hundred task rows). What the hot paths need of an encoded message (a phase, the encoding of
each task row, whether a spec holds a secret) is a few tags and lengths away; this reader
skips everything else, and the writer frames bytes already encoded. A field's last occurrence
wins, an embedded message's too: that is how betterproto2 reads a field written twice
(protobuf would merge two occurrences of a message; betterproto2 never writes one twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stigmer_protos.google_proto_descriptor_pool import default_google_proto_descriptor_pool
from stigmer_protos.temporal import proto_name

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


class MalformedError(ValueError):
    """The bytes are not a protobuf message."""


def _varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while pos < end and shift < 64:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise MalformedError("truncated or overlong varint")


def _scan(data: bytes | memoryview) -> Iterator[tuple[int, int, int, int, int]]:
    buf = memoryview(data)
    pos, end = 0, len(buf)
    while pos < end:
        field_start = pos
        tag, pos = _varint(buf, pos, end)
        wire_type = tag & 7
        start = pos
        if wire_type == _VARINT:
            _, pos = _varint(buf, pos, end)
        elif wire_type == _FIXED64:
            pos += 8
        elif wire_type == _FIXED32:
            pos += 4
        elif wire_type == _LENGTH:
            size, start = _varint(buf, pos, end)
            pos = start + size
        else:
            raise MalformedError(f"unsupported wire type {wire_type}")
        if pos > end:
            raise MalformedError("field runs past the end of the message")
        yield tag >> 3, wire_type, field_start, start, pos


def fields(data: bytes | memoryview) -> Iterator[tuple[int, int, int, int]]:
    """Yield ``(number, wire_type, start, end)`` of each field of the message ``data``.

    ``data[start:end]`` is the payload of a length-delimited field, the varint of a varint
    field, the 4 or 8 bytes of a fixed field.

    Raises:
        MalformedError: ``data`` is not a protobuf message.
    """
    for number, wire_type, _, start, end in _scan(data):
        yield number, wire_type, start, end


def only(data: bytes | memoryview, numbers: frozenset[int]) -> bytes:
    """The message ``data`` with only its fields numbered in ``numbers`` (tags included)."""
    buf = memoryview(data)
    return b"".join(
        bytes(buf[field_start:end])
        for number, _, field_start, _, end in _scan(buf)
        if number in numbers
    )


def without(data: bytes | memoryview, number: int) -> bytes:
    """The message ``data`` without its fields numbered ``number`` (the others in order)."""
    buf = memoryview(data)
    return b"".join(
        bytes(buf[field_start:end])
        for found, _, field_start, _, end in _scan(buf)
        if found != number
    )


def message(data: bytes | memoryview, number: int) -> bytes | None:
    """The embedded message field ``number`` of ``data`` (``None``: absent)."""
    buf = memoryview(data)
    found_at: tuple[int, int] | None = None
    for found, wire_type, start, end in fields(buf):
        if found == number and wire_type == _LENGTH:
            found_at = (start, end)
    return None if found_at is None else bytes(buf[found_at[0] : found_at[1]])


def varint(data: bytes | memoryview, number: int) -> int:
    """The varint field ``number`` of ``data`` (0, its default, when absent)."""
    buf = memoryview(data)
    value = 0
    for found, wire_type, start, end in fields(buf):
        if found == number and wire_type == _VARINT:
            value, _ = _varint(buf, start, end)
    return value


def payloads(data: bytes | memoryview, number: int) -> list[bytes]:
    """The payload of each occurrence of the length-delimited field ``number``, in order (for a
    repeated message field: each element encoded)."""
    buf = memoryview(data)
    return [
        bytes(buf[start:end])
        for found, wire_type, start, end in fields(buf)
        if found == number and wire_type == _LENGTH
    ]


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def length_delimited(number: int, payload: bytes) -> bytes:
    """The length-delimited field ``number`` holding ``payload``, encoded (tag and length)."""
    return _encode_varint(number << 3 | _LENGTH) + _encode_varint(len(payload)) + payload


def insert(data: bytes, number: int, encoded_fields: bytes) -> bytes:
    """``data`` with ``encoded_fields`` (fields numbered ``number``) placed before its first
    field numbered higher: where an encoder writing fields in number order (and fields it does
    not know last) puts them."""
    for found, _, field_start, _, _ in _scan(data):
        if found > number:
            return data[:field_start] + encoded_fields + data[field_start:]
    return data + encoded_fields


def field_number(cls: type[Any], name: str) -> int:
    """The number of the field ``name`` of the generated message class ``cls``."""
    descriptor = default_google_proto_descriptor_pool.FindMessageTypeByName(proto_name(cls))
    number: int = descriptor.fields_by_name[name].number
    return number
