"""The executions this server wrote last, kept decoded: reading back its own write is free.

A status update reads the stored execution, decodes it, merges and writes it back; the next
update of the same execution (the next progress batch, the final status) usually reads back
exactly the bytes this server just wrote. Decoding them again costs as much as encoding them
(tens of milliseconds for a few hundred task rows). When the bytes read are the bytes kept, the
execution kept is used instead; any other bytes (another replica's write, a spec update) are
decoded as usual. Nothing changes a kept execution: a reader gets a copy of its execution and
status to set fields on, and rows and values are never changed in place (see
:func:`~stigmer_server.workflowexecution.status_merge.merge_status`).
"""

from __future__ import annotations

import copy
from collections import OrderedDict

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.workflowexecution.status_merge import _copy

MAX_ENTRIES = 128
"""Executions kept at most (the least recently written go first)."""

MAX_BYTES = 4 * 1024 * 1024
"""Encoded bytes kept at most in all; a larger execution is not kept."""


def _fresh(execution: wex.WorkflowExecution) -> wex.WorkflowExecution:
    """A copy whose own fields, and whose status's, may be set without changing ``execution``."""
    fresh = copy.copy(execution)
    fresh._unknown_fields = execution._unknown_fields
    if execution.status is not None:
        fresh.status = _copy(execution.status, deep=False)
        fresh.status.tasks = list(execution.status.tasks)
    return fresh


class RecentWrites:
    """Executions as last written by this server, by id, with their stored bytes."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        """Keep at most ``max_entries`` executions of ``max_bytes`` encoded bytes in all."""
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._size = 0
        self._kept: OrderedDict[str, tuple[bytes, wex.WorkflowExecution]] = OrderedDict()

    def decode(self, execution_id: str, data: bytes) -> wex.WorkflowExecution:
        """The execution stored as ``data``: the one kept when ``data`` is what was written."""
        kept = self._kept.get(execution_id)
        if kept is not None and kept[0] == data:
            return _fresh(kept[1])
        return wex.WorkflowExecution.parse(data)

    def remember(self, execution_id: str, data: bytes, execution: wex.WorkflowExecution) -> None:
        """Keep ``execution``, just written as ``data``."""
        self.forget(execution_id)
        if len(data) > self._max_bytes:
            return
        self._kept[execution_id] = (data, _fresh(execution))
        self._size += len(data)
        while len(self._kept) > self._max_entries or self._size > self._max_bytes:
            _, (dropped, _) = self._kept.popitem(last=False)
            self._size -= len(dropped)

    def forget(self, execution_id: str) -> None:
        """Drop what is kept of ``execution_id``."""
        kept = self._kept.pop(execution_id, None)
        if kept is not None:
            self._size -= len(kept[0])
