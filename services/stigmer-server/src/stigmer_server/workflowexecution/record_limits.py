"""Size bounds of a stored execution record, of its event-stream entries and of list pages.

Every client reads an answer of at most 4 MiB by default (gRPC's receive limit). An execution's
spec is bounded by the request limits (its input must fit one Temporal payload, about 2 MB);
its status is bounded here. See docs/adr/0023-bounded-execution-records-and-pages.md.
"""

from __future__ import annotations

MIB = 1024 * 1024

MAX_RECORD_BYTES = 3 * MIB
"""Whole stored execution (spec + status): answers of get, updateStatus and subscribe fit
gRPC's default 4 MiB receive limit with 1 MiB to spare for framing and redaction markers."""

MAX_STATUS_BYTES = 1 * MIB
"""The status part (task rows, output, errors); less when the spec leaves less room."""

MAX_TASK_ROWS = 200
"""Task rows shown; beyond, the oldest finished rows of loops are folded into summary rows."""

MAX_VALUE_BYTES = 8 * 1024
"""Encoded size of one task row's input, output or metadata before it becomes a marker."""

MAX_OUTPUT_BYTES = 256 * 1024
"""Encoded size of the execution's output or error details before it becomes a marker."""

MAX_ERROR_CHARS = 4096
"""Characters of an error message (the execution's or a task's) kept."""

MAX_PAGE_BYTES = MAX_RECORD_BYTES
"""Bytes of executions in one list page; a page always holds at least one record."""

MAX_STREAM_ENTRY_BYTES = 8 * 1024
"""Largest state an event-stream entry carries; larger states are announced by a pointer
entry and subscribers read the record itself."""

CLOSED_STREAM_TTL_S = 3600
"""Lifetime of a terminal or deleted execution's event stream after its last entry."""
