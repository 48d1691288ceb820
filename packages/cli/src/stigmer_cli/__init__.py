"""The ``stigmer`` command line: run DSL workflows on Stigmer, locally or against a server."""

from __future__ import annotations

__version__ = "0.1.0"
