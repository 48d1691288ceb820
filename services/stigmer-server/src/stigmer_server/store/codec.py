"""Serialization of resources in Redis: binary protobuf (``bytes(msg)``), as Stigmer's Go store."""

from __future__ import annotations

from typing import Protocol, Self, TypeVar


class Message(Protocol):
    """A betterproto2 message."""

    def __bytes__(self) -> bytes: ...

    @classmethod
    def parse(cls, data: bytes) -> Self: ...


M = TypeVar("M", bound=Message)


def encode(message: Message) -> bytes:
    """Serialize ``message`` to protobuf wire bytes."""
    return bytes(message)


def decode(cls: type[M], data: bytes) -> M:
    """Parse protobuf wire bytes into a ``cls``."""
    return cls.parse(data)
