"""Opaque page tokens for keyset pagination over the sorted-set indexes."""

from __future__ import annotations

import base64
import hashlib
import json

from stigmer_server.errors import InvalidArgumentError


def _fingerprint(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:12]


def encode(after_id: str, query: str) -> str:
    """Make the token that resumes a listing after ``after_id``.

    Args:
        after_id: Id of the last resource the previous page scanned.
        query: Canonical text of the listing's filters; a token only resumes the same query.
    """
    raw = json.dumps({"a": after_id, "q": _fingerprint(query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, query: str, field: str = "page_token") -> str | None:
    """Return the id to resume after, or ``None`` for an empty token.

    Raises:
        InvalidArgumentError: The token is malformed or belongs to another query.
    """
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after, fp = data["a"], data["q"]
    except (ValueError, KeyError, TypeError):
        raise InvalidArgumentError(field, "malformed") from None
    if not isinstance(after, str) or not after or fp != _fingerprint(query):
        raise InvalidArgumentError(field, "does not belong to this query")
    return after
