"""Encoding an execution without encoding again the task rows whose bytes are known.

A status update changes a few rows of an execution that may hold hundreds; betterproto2
encodes a row in about 0.2 ms. :class:`EncodedRows` keeps each row's encoding by identity:
rows decoded from the stored record keep the bytes they were stored as, other rows are encoded
once, when first sized or written. A merge keeps the rows it does not change (see
:func:`~stigmer_server.workflowexecution.status_merge.merge_status`), and nothing changes a row
in place, so a kept row's bytes stay its encoding.
"""

from __future__ import annotations

from collections.abc import Sequence

from stigmer_protos import wire
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.workflowexecution import stored as stored_fields
from stigmer_server.workflowexecution.status_merge import _copy


class EncodedRows:
    """Encodings of task rows, by identity."""

    def __init__(self, rows: Sequence[wex.WorkflowTask] = (), encoded: Sequence[bytes] = ()):
        """Know ``encoded[i]`` as the encoding of ``rows[i]`` (nothing, should they differ in
        length: the bytes were then not read off these rows)."""
        known = zip(rows, encoded, strict=False) if len(rows) == len(encoded) else ()
        # The row is kept with its bytes, so its id stays its own while it is known.
        self._rows: dict[int, tuple[wex.WorkflowTask, bytes]] = {
            id(row): (row, data) for row, data in known
        }
        self._shell: tuple[wex.WorkflowExecutionStatus, bytes] | None = None

    @classmethod
    def stored(cls, rows: Sequence[wex.WorkflowTask], data: bytes) -> EncodedRows:
        """The rows of the stored execution ``data``, decoded as ``rows``, with their bytes.

        These are the bytes the rows encode to again: the store writes only betterproto2's
        (canonical) encoding.
        """
        return cls(rows, stored_fields.task_payloads(data))

    def of(self, row: wex.WorkflowTask) -> bytes:
        """The encoding of ``row``."""
        known = self._rows.get(id(row))
        if known is not None:
            return known[1]
        data = bytes(row)
        self._rows[id(row)] = (row, data)
        return data

    def size(self, row: wex.WorkflowTask) -> int:
        """The encoded size of ``row``."""
        return len(self.of(row))

    def keep_shell(self, status: wex.WorkflowExecutionStatus, data: bytes) -> None:
        """Know ``data`` as the encoding of ``status``'s fields other than its tasks (the
        bounds encode them to size the status; nothing changes a bounded status after)."""
        self._shell = (status, data)

    def shell(self, status: wex.WorkflowExecutionStatus) -> bytes:
        """The encoding of ``status``'s fields other than its tasks."""
        if self._shell is not None and self._shell[0] is status:
            return self._shell[1]
        shell = _copy(status, deep=False)
        shell.tasks = []
        return bytes(shell)


def encode_execution(
    execution: wex.WorkflowExecution, rows: EncodedRows, stored: bytes | None = None
) -> bytes:
    """``bytes(execution)``, with the task rows' encodings taken from ``rows``.

    Args:
        execution: The execution.
        rows: Encodings known of its rows and status (see :class:`EncodedRows`).
        stored: The stored encoding of an execution whose fields other than the status are
            ``execution``'s (a status write): those fields are taken from it as they are.
    """
    status = execution.status
    if status is None or (not status.tasks and stored is None):
        return bytes(execution)
    tasks = b"".join(wire.length_delimited(stored_fields.TASKS, rows.of(t)) for t in status.tasks)
    status_data = wire.insert(rows.shell(status), stored_fields.TASKS, tasks)
    return wire.insert(
        outside_status(execution, stored),
        stored_fields.STATUS,
        wire.length_delimited(stored_fields.STATUS, status_data),
    )


def outside_status(execution: wex.WorkflowExecution, stored: bytes | None = None) -> bytes:
    """The encoding of ``execution``'s fields other than its status (unknown fields included).

    Args:
        execution: The execution.
        stored: Its stored encoding, when those fields are the ones stored: they are then taken
            from it as they are instead of encoded again.
    """
    if stored is not None:
        return stored_fields.without_status(stored)
    rest = wex.WorkflowExecution(
        api_version=execution.api_version,
        kind=execution.kind,
        metadata=execution.metadata,
        spec=execution.spec,
    )
    rest._unknown_fields = execution._unknown_fields
    return bytes(rest)
