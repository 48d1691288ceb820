"""API keys with scopes: parsing of ``<scope>:<key>`` entries, and the settings of the server.

An entry is ``<scope>:<key>`` with a scope of :class:`Scope`; an entry without one of those
prefixes is an ``admin`` key, prefix included (keys configured before scopes existed keep
working). Clients send only the key: ``authorization: Bearer <key>``.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_log = logging.getLogger(__name__)

MAX_KEY_FILE_BYTES = 1 << 20
"""A larger key file is refused (it is not a key file)."""

_KEY = re.compile(r"[\x21-\x7e]+")  # what a gRPC metadata value carries after "Bearer "
_SCOPE_LIKE = re.compile(r"[A-Za-z]+")


class Scope(enum.StrEnum):
    """What a key may do (the RPCs of each scope: :mod:`stigmer_server.access.rpc_scopes`)."""

    ADMIN = "admin"
    WRITE = "write"
    READ = "read"
    RUNNER = "runner"


_SCOPES = frozenset(scope.value for scope in Scope)


class ApiKeyError(ValueError):
    """A key entry is malformed; the message names where, never the key."""


@dataclass(frozen=True)
class ApiKey:
    """One accepted key.

    Attributes:
        scope: What it may do.
        secret: The bearer token, as clients send it.
    """

    scope: Scope
    secret: bytes = field(repr=False)


def parse_entry(entry: str, where: str) -> ApiKey:
    """Parse one ``[<scope>:]<key>`` entry (already stripped, not a comment).

    Args:
        entry: The entry.
        where: Names the entry in errors (e.g. ``STIGMER_API_KEYS_FILE line 3``).

    Raises:
        ApiKeyError: The key is empty or holds characters a bearer token cannot carry.
    """
    prefix, separator, rest = entry.partition(":")
    if separator and prefix in _SCOPES:
        scope, secret = Scope(prefix), rest
    else:
        scope, secret = Scope.ADMIN, entry
    if not secret:
        raise ApiKeyError(f"{where}: no key after the scope {scope.value!r}")
    if not _KEY.fullmatch(secret):
        raise ApiKeyError(
            f"{where}: a key is printable ASCII without spaces (it travels as "
            "'authorization: Bearer <key>')"
        )
    return ApiKey(scope, secret.encode())


def looks_like_unknown_scope(entry: str) -> bool:
    """Whether ``entry`` starts with a word and ``:`` that is no scope (e.g. ``Runner:...``).

    Such an entry is an admin key, prefix included: worth a warning, as it is likely a typo.
    """
    prefix, separator, _ = entry.partition(":")
    return bool(separator) and bool(_SCOPE_LIKE.fullmatch(prefix)) and prefix not in _SCOPES


def parse_entries(entries: Iterable[tuple[str, str]]) -> tuple[ApiKey, ...]:
    """Parse ``(where, entry)`` pairs; blank entries and ``#`` comments are skipped.

    Returns:
        The keys, each once, in order.

    Raises:
        ApiKeyError: An entry is malformed, or one key is listed with two scopes.
    """
    keys: dict[bytes, ApiKey] = {}
    for where, raw in entries:
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        key = parse_entry(entry, where)
        if looks_like_unknown_scope(entry):
            _log.warning(
                "%s starts with an unknown scope: it is an admin key, prefix included "
                "(scopes: admin, write, read, runner)",
                where,
            )
        known = keys.get(key.secret)
        if known is not None and known.scope is not key.scope:
            raise ApiKeyError(
                f"{where}: this key is also listed with scope {known.scope.value!r}; "
                "a key has one scope"
            )
        keys.setdefault(key.secret, key)
    return tuple(keys.values())


def inline_entries(inline: str, setting: str = "STIGMER_API_KEYS") -> list[tuple[str, str]]:
    """The comma-separated entries of ``inline``, each named by its position."""
    return [(f"{setting} entry {n}", e) for n, e in enumerate(inline.split(","), start=1)]


def read_key_file(path: str, setting: str = "STIGMER_API_KEYS_FILE") -> list[tuple[str, str]]:
    """The lines of the key file, each named by its line number.

    Raises:
        OSError: The file cannot be read.
        ApiKeyError: The file is larger than :data:`MAX_KEY_FILE_BYTES` or not UTF-8.
    """
    with Path(path).open("rb") as file:
        data = file.read(MAX_KEY_FILE_BYTES + 1)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ApiKeyError(f"{setting}: larger than {MAX_KEY_FILE_BYTES} bytes")
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise ApiKeyError(f"{setting}: not UTF-8 text") from None
    return [(f"{setting} line {n}", line) for n, line in enumerate(text.splitlines(), start=1)]


def combined(inline: tuple[ApiKey, ...], from_file: tuple[ApiKey, ...]) -> tuple[ApiKey, ...]:
    """The keys of both sources.

    Raises:
        ApiKeyError: A key of the file is an inline key with another scope.
    """
    scopes = {key.secret: key.scope for key in inline}
    for key in from_file:
        other = scopes.get(key.secret)
        if other is not None and other is not key.scope:
            raise ApiKeyError(
                f"STIGMER_API_KEYS_FILE: a key is also in STIGMER_API_KEYS with scope "
                f"{other.value!r}; a key has one scope"
            )
    seen = set(scopes)
    return inline + tuple(k for k in from_file if k.secret not in seen)


@dataclass(frozen=True)
class ApiKeySettings:
    """The server's key settings.

    Attributes:
        inline: Keys of ``STIGMER_API_KEYS`` (comma-separated entries).
        file: ``STIGMER_API_KEYS_FILE``: one entry per line, ``#`` comments; re-read when it
            changes. ``""``: none.
        file_keys: The file's keys as read at start.
        reload_seconds: How often the file is checked for a change
            (``STIGMER_API_KEYS_RELOAD_SECONDS``).
    """

    inline: tuple[ApiKey, ...] = ()
    file: str = ""
    file_keys: tuple[ApiKey, ...] = ()
    reload_seconds: float = 5.0

    @property
    def enabled(self) -> bool:
        """Whether calls need a key (some key or a key file is configured)."""
        return bool(self.inline) or bool(self.file)


def load_settings(inline: str, file: str, reload_seconds: float) -> ApiKeySettings:
    """Read and check the key settings at start.

    Raises:
        ApiKeyError: An entry is malformed, a key has two scopes, or the key file holds no key
            (most likely a file being written, or emptied by mistake).
        OSError: The key file cannot be read.
    """
    if reload_seconds <= 0:
        raise ApiKeyError("STIGMER_API_KEYS_RELOAD_SECONDS must be positive")
    keys = parse_entries(inline_entries(inline))
    from_file = parse_entries(read_key_file(file)) if file else ()
    combined(keys, from_file)
    if file and not from_file:
        raise ApiKeyError("STIGMER_API_KEYS_FILE holds no key")
    return ApiKeySettings(keys, file, from_file, reload_seconds)
