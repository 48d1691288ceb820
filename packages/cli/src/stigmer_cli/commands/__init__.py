"""One module per ``stigmer`` command, each with ``register(subparsers)``."""

from __future__ import annotations
