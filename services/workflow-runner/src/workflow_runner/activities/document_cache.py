"""Validated DSL documents of the workflows this runner executed, by what the server served.

Turning a workflow resource into its DSL document and validating it costs about as much per
task as running a pure task (a 200-task workflow: ~80 ms of YAML writing and parsing), and
every execution of the workflow would pay it again. The document is a pure function of the
workflow as served (and of the runner's settings, fixed per activity instance), so it is kept
by the SHA-256 of the served bytes: an edited workflow has other bytes, hence its own entry.
"""

from __future__ import annotations

import hashlib

from stigmer_dsl.lru import SizedLru

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
"""Document text kept at most (characters); the least recently used entries go first."""


def digest(served: bytes) -> bytes:
    """The cache key of a workflow served as ``served``."""
    return hashlib.sha256(served).digest()


class DocumentCache:
    """Least recently used documents, within :data:`DEFAULT_MAX_BYTES` of text in all."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        """Keep at most ``max_bytes`` characters of documents."""
        self._entries: SizedLru[bytes, str] = SizedLru(max_bytes)

    def get(self, key: bytes) -> str | None:
        """The document kept under ``key``, if any."""
        return self._entries.get(key)

    def put(self, key: bytes, document: str) -> None:
        """Keep ``document`` under ``key`` (a document larger than the whole cache is not)."""
        self._entries.put(key, document, len(document))
