"""How executions are shown: live table, plain progress lines, final text and JSON."""

from __future__ import annotations
