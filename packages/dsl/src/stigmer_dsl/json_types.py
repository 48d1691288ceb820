"""The type of a JSON value as the library passes it around."""

from __future__ import annotations

from typing import Any, TypeAlias

Json: TypeAlias = Any
"""A JSON value as parsed (object, array, string, number, boolean or null).

An alias of ``Any``: documents, task inputs and outputs are narrowed where they are read (a
recursive union would need a cast at every ``spec["with"]``). It names what a parameter holds.
"""
