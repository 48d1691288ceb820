"""Validated DSL documents of the workflows this runner executed, by what the server served.

Turning a workflow resource into its DSL document and validating it costs about as much per
task as running a pure task (a 200-task workflow: ~80 ms of YAML writing and parsing), and
every execution of the workflow would pay it again. The document is a pure function of the
workflow as served (and of the runner's settings, fixed per activity instance), so it is kept
by the SHA-256 of the served bytes: an edited workflow has other bytes, hence its own entry.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
"""Document text kept at most (characters); the least recently used entries go first."""


def digest(served: bytes) -> bytes:
    """The cache key of a workflow served as ``served``."""
    return hashlib.sha256(served).digest()


class DocumentCache:
    """Least recently used documents, within :data:`DEFAULT_MAX_BYTES` of text in all."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        """Keep at most ``max_bytes`` characters of documents."""
        self._max = max_bytes
        self._size = 0
        self._entries: OrderedDict[bytes, str] = OrderedDict()

    def get(self, key: bytes) -> str | None:
        """The document kept under ``key``, if any."""
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: bytes, document: str) -> None:
        """Keep ``document`` under ``key`` (a document larger than the whole cache is not)."""
        if len(document) > self._max:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._size -= len(previous)
        self._entries[key] = document
        self._size += len(document)
        while self._size > self._max:
            _, dropped = self._entries.popitem(last=False)
            self._size -= len(dropped)
