"""Reading stored protobuf bytes without decoding them: fields by number, lengths, varints.

betterproto2 builds a Python object per field (tens of milliseconds for an execution of a few
hundred task rows). What the hot paths need from a stored record (its phase, the encoded size
of each task row, whether it holds any secret) is a few tags and lengths away; this reader
skips everything else. A field's last occurrence wins, an embedded message's too: that is
how betterproto2, the store's decoder, reads a field written twice (protobuf would merge two
occurrences of a message; the store never writes one twice).
"""

from __future__ import annotations

from collections.abc import Iterator

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


def lengths(data: bytes | memoryview, number: int) -> list[int]:
    """The payload size of each occurrence of the length-delimited field ``number``, in order
    (for a repeated message field: each element's encoded size)."""
    return [
        end - start
        for found, wire_type, start, end in fields(data)
        if found == number and wire_type == _LENGTH
    ]
