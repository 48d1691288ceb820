"""Loaded workflow definitions shared by every run of the interpreter in one process.

Loading a document (YAML, schema, checks, expression compilation) costs about 50 us per task,
several times that inside the workflow sandbox, and every execution of a workflow (and every
replay of its history) loads the same text again. A definition is a pure function of the text
and the ``call: activity`` allow-list, and nothing changes it once loaded, so runs share it.

The sandbox imports the interpreter's own modules anew for every run; this package is passed
through, so the cache of the process lives here, in :data:`SHARED`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_dsl.loader import WorkflowDefinition, load_workflow
from stigmer_dsl.lru import SizedLru

DEFAULT_MAX_TEXT = 8 * 1024 * 1024
"""Characters of document text whose definitions are kept (a parsed tree is a few times more)."""


class DefinitionCache:
    """Definitions by the SHA-256 of their text and allow-list; failures are not kept."""

    def __init__(self, max_text: int = DEFAULT_MAX_TEXT) -> None:
        """Keep definitions of at most ``max_text`` characters of documents in all."""
        self._entries: SizedLru[bytes, WorkflowDefinition] = SizedLru(max_text)

    def load(
        self, yaml_text: str, allowed_activities: Sequence[AllowedActivity] | None = None
    ) -> WorkflowDefinition:
        """:func:`~stigmer_dsl.loader.load_workflow`, answered from the cache when it can be.

        Raises:
            DefinitionError: The document cannot run (never cached: it is raised again).
        """
        key = hashlib.sha256(
            repr((yaml_text, tuple(allowed_activities or ()), allowed_activities is None)).encode()
        ).digest()
        found = self._entries.get(key)
        if found is not None:
            return found
        definition = load_workflow(yaml_text, allowed_activities)
        self._entries.put(key, definition, len(yaml_text))
        return definition


SHARED = DefinitionCache()
"""The process's cache, used by the interpreter workflow (see the module's docstring)."""
