"""The keys in force: the inline ones plus the key file's, re-read when the file changes."""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections import Counter
from collections.abc import Callable

from stigmer_server.access.api_keys import (
    ApiKey,
    ApiKeyError,
    ApiKeySettings,
    Scope,
    combined,
    parse_entries,
    read_key_file,
)

_log = logging.getLogger(__name__)

_Signature = tuple[int, int, int, int] | str


class ApiKeySource:
    """Identifies a presented key; checks the key file for a change at most every
    ``reload_seconds``, on the next call (one ``stat``; a read only when it changed).

    A new file that cannot be read, is malformed or holds no key (e.g. caught while being
    rewritten after a truncation) leaves the keys in force unchanged and logs an error naming the problem (never a key); the
    same problem is logged once, until the file changes again.
    """

    def __init__(
        self, settings: ApiKeySettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Start with ``settings``' keys (the file as read at start)."""
        self._inline = settings.inline
        self._file = settings.file
        self._interval = settings.reload_seconds
        self._file_keys = settings.file_keys
        self._keys = combined(settings.inline, settings.file_keys)
        self._clock = clock
        self._next_check = clock() + settings.reload_seconds
        # Unknown until the first check, which re-reads the file: it may have changed since
        # the configuration was loaded.
        self._seen: _Signature | None = None

    def keys(self) -> tuple[ApiKey, ...]:
        """The keys in force (re-reading the file first if it is due and changed)."""
        if self._file:
            now = self._clock()
            if now >= self._next_check:
                self._next_check = now + self._interval
                self._check_file()
        return self._keys

    def identify(self, presented: bytes | None) -> Scope | None:
        """The scope of ``presented``, or ``None`` when it is no key in force.

        Every key is compared, in constant time and without stopping at a match, so the time
        taken reveals nothing about which keys exist.
        """
        if presented is None:
            return None
        found: Scope | None = None
        for key in self.keys():
            if hmac.compare_digest(presented, key.secret):
                found = key.scope
        return found

    def _check_file(self) -> None:
        signature = _signature(self._file)
        if signature == self._seen:
            return
        self._seen = signature
        if isinstance(signature, str):
            self._keep(signature)
            return
        try:
            from_file = parse_entries(read_key_file(self._file))
            keys = combined(self._inline, from_file)
        except (OSError, ApiKeyError) as err:
            self._keep(_reason(err))
            return
        if not from_file:
            self._keep("it holds no key")
            return
        if from_file == self._file_keys:
            return
        self._file_keys, self._keys = from_file, keys
        counts = Counter(key.scope.value for key in keys)
        _log.info("API keys reloaded", extra={"keys_by_scope": dict(sorted(counts.items()))})

    def _keep(self, reason: str) -> None:
        _log.error(
            "STIGMER_API_KEYS_FILE not reloaded, the keys in force stay: %s",
            reason,
            extra={"keys_in_force": len(self._keys)},
        )


def _signature(path: str) -> _Signature:
    """What changes when the file is rewritten, replaced (e.g. a Kubernetes Secret's symlink
    swap) or its permissions fixed; or the reason it cannot be seen."""
    try:
        st = os.stat(path)
    except OSError as err:
        return _reason(err)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _reason(err: Exception) -> str:
    # OSError's text names the path and the failure, ApiKeyError's the line: neither a key.
    return str(err)
