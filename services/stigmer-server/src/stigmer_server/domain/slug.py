"""Slugs derived from resource names."""

from __future__ import annotations

import re

_DROP = re.compile(r"[^a-z0-9-]")
_DASHES = re.compile(r"-{2,}")
_VALID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(name: str) -> str:
    """Derive a slug: lowercase, spaces to ``-``, drop chars outside ``[a-z0-9-]``, collapse, trim.

    Args:
        name: The resource name.

    Returns:
        The slug; empty when nothing of the name survives.
    """
    s = name.lower().replace(" ", "-")
    s = _DROP.sub("", s)
    s = _DASHES.sub("-", s)
    return s.strip("-")


def is_valid_slug(slug: str) -> bool:
    """Whether ``slug`` is already in the canonical form :func:`slugify` produces."""
    return bool(_VALID.match(slug))
