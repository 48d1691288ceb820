"""A per-class cache of betterproto2's resolved type hints.

betterproto2 (0.10) resolves a message class's annotations with ``typing.get_type_hints`` on
every ``to_dict`` call and for every nested message field it decodes, although generated
classes never change once defined. That resolution was most of the cost of converting an
execution to proto3 JSON (2.7 ms for a small execution, 0.8 ms with the cache), which every
Temporal payload of a message pays (docs/adr/0042-latency-round-trips.md).
"""

from __future__ import annotations

import functools
from typing import Any

import betterproto2

_CACHED = "_stigmer_cached_type_hints"


def install() -> None:
    """Cache ``betterproto2.Message._type_hints`` per class; idempotent."""
    current: Any = betterproto2.Message.__dict__["_type_hints"]
    if getattr(current, _CACHED, False):
        return
    resolve: Any = functools.cache(current.__func__)
    cached: Any = classmethod(resolve)
    setattr(cached, _CACHED, True)
    betterproto2.Message._type_hints = cached  # type: ignore[method-assign]
