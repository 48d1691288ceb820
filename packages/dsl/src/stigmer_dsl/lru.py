"""A least-recently-used map bounded by the total size of its values, safe across threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class SizedLru(Generic[K, V]):
    """Values by key within ``max_size`` in all; the least recently used go first.

    Each value's size is given when it is put (characters of a document, bytes of its text),
    so the bound means what the caller measures. Workflow activations run on several threads,
    hence the lock.
    """

    def __init__(self, max_size: int) -> None:
        """Keep values whose sizes add up to at most ``max_size``."""
        self._max = max_size
        self._size = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value kept under ``key``, if any (it becomes the most recently used)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep ``value`` under ``key``; a value larger than the whole bound is not kept."""
        if size > self._max:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._entries[key] = (value, size)
            self._size += size
            while self._size > self._max:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped
