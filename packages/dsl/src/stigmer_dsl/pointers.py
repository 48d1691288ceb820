"""JSON pointers (RFC 6901) into workflow documents."""

from __future__ import annotations


def escape_pointer_token(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")
