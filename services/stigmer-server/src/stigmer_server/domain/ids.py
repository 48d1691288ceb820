"""Resource ids: ``<prefix>-<lowercase ULID>``."""

from __future__ import annotations

import secrets
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def ulid(now_ms: int | None = None, randomness: int | None = None) -> str:
    """Return a lowercase ULID: 48-bit millisecond time then 80 random bits, Crockford base32.

    Args:
        now_ms: Milliseconds since the epoch; the current time when omitted.
        randomness: The 80 random bits; fresh from ``secrets`` when omitted.

    Returns:
        A 26-character string that sorts by creation time.
    """
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    rnd = secrets.randbits(80) if randomness is None else randomness
    if not 0 <= ms < 1 << 48 or not 0 <= rnd < 1 << 80:
        raise ValueError("ULID time or randomness out of range")
    value = (ms << 80) | rnd
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """Return a new resource id such as ``wex-01j...``.

    Args:
        prefix: The kind's id prefix (``wfl``, ``win``, ``wex``).
    """
    return f"{prefix}-{ulid()}"


def created_ms(resource_id: str) -> int | None:
    """Milliseconds since the epoch at which ``resource_id`` was made; ``None`` if not a ULID id."""
    _, _, text = resource_id.rpartition("-")
    if len(text) != 26 or any(c not in _CROCKFORD for c in text):
        return None
    value = 0
    for c in text[:10]:
        value = value * 32 + _CROCKFORD.index(c)
    return value
