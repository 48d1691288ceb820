"""Slugs derived from resource names, and the charset of org names.

Both are embedded in Redis keys (``store.keys``); neither may contain ``:``, ``{`` or ``}``.
"""

from __future__ import annotations

import re

_DROP = re.compile(r"[^a-z0-9-]")
_DASHES = re.compile(r"-{2,}")
SLUG_RULE = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ORG_RULE = r"^[a-z0-9][a-z0-9._-]{0,62}$"
_VALID = re.compile(SLUG_RULE)
_VALID_ORG = re.compile(ORG_RULE)


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
    return _VALID.fullmatch(slug) is not None


def is_valid_org(org: str) -> bool:
    """Whether ``org`` is a non-empty org name of :data:`ORG_RULE`."""
    return _VALID_ORG.fullmatch(org) is not None
