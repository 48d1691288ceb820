"""Responses handed to gRPC already encoded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Encoded:
    """A response message in wire bytes, sent as it is (see the server interceptor).

    A handler returns (or a stream yields) one when it holds the encoded message already, e.g.
    a stored execution: decoding it only for gRPC to encode it again costs about as much as
    the rest of the call.
    """

    data: bytes
