"""Replace an execution's secret values, in the encodings libraries print them in, by ``***``.

A secret sent by an activity can come back in text the engine does not write: an exception of
httpx or h11 (``Illegal header value b'...'``), a response that echoes a header, a library's log
line. The activity wrapper (:class:`~workflow_runner.engine.activities.EngineActivities`) builds
one :class:`Scrubber` from the secrets it fetched and passes through it every message that leaves
the activity: the error (message and details), the result, and the log records emitted while it
runs (:class:`ScrubFilter`, installed on the runner's log handlers).

Besides each secret value (and, for an object secret, each member and ``username:password``) it
replaces the value without surrounding whitespace, its ``repr`` as ``str`` and as UTF-8
``bytes``, JSON string escaping, URL encodings (``quote``, ``quote_plus``) and base64 (also as
part of a longer base64 text, at any of the three byte alignments).

Secrets shorter than :data:`MIN_DATA_LENGTH` characters are replaced in error and log text only:
in results (response bodies, process output) replacing every occurrence of, say, ``"ab"`` would
corrupt ordinary data, so a short secret echoed by an endpoint stays in the result. In error and
log text such a short value is replaced wherever it occurs, at the price of garbled messages.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote, quote_plus

from temporalio.exceptions import ApplicationError

MASK = "***"
MIN_DATA_LENGTH = 4
"""Shortest secret (in characters) replaced in activity results; text is scrubbed of any."""

_ACTIVE: ContextVar[Scrubber | None] = ContextVar("stigmer_secret_scrubber", default=None)


def _plain_values(secret: Any) -> Iterator[str]:
    """The strings a secret consists of: itself, its members, ``username:password``."""
    if isinstance(secret, str):
        yield secret
    elif isinstance(secret, Mapping):
        for value in secret.values():
            yield from _plain_values(value)
        if "username" in secret and "password" in secret:
            yield f"{secret['username']}:{secret['password']}"
    elif isinstance(secret, list | tuple):
        for value in secret:
            yield from _plain_values(value)
    elif isinstance(secret, int | float) and not isinstance(secret, bool):
        yield str(secret)


def _repr_bodies(text: str | bytes) -> set[str]:
    """The inside of ``repr(text)``, with and without ``'`` escaped (Python picks per value)."""
    suffix: str | bytes = "'\"" if isinstance(text, str) else b"'\""
    quoted = repr(text + suffix)  # type: ignore[operator]
    body = quoted[2 if isinstance(text, bytes) else 1 : -4]
    return {body, body.replace("\\'", "'")}


def _base64_fragments(raw: bytes) -> set[str]:
    """Base64 of ``raw`` whole, and the part of it fixed whatever bytes surround it."""
    out = {base64.b64encode(raw).decode()}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        total = offset + len(raw)
        start = (0, 2, 3)[offset]
        end = 4 * (total // 3) + total % 3
        fragment = encoded[start:end]
        if len(fragment) >= MIN_DATA_LENGTH:
            out.add(fragment)
    return out | {f.replace("+", "-").replace("/", "_") for f in out}


def encodings(value: str) -> set[str]:
    """Every form of ``value`` the scrubber replaces (see the module docstring)."""
    forms = {value, value.strip(), value.rstrip("\r\n"), value.lstrip(), value.rstrip()} - {""}
    out: set[str] = set()
    for form in forms:
        raw = form.encode()
        out |= {
            form,
            json.dumps(form)[1:-1],
            json.dumps(form, ensure_ascii=False)[1:-1],
            quote(form),
            quote(form, safe=""),
            quote_plus(form),
        }
        out |= _repr_bodies(form) | _repr_bodies(raw) | _base64_fragments(raw)
    return out - {""}


def _pattern(needles: set[str]) -> re.Pattern[str] | None:
    if not needles:
        return None
    ordered = sorted(needles, key=lambda needle: (-len(needle), needle))
    return re.compile("|".join(re.escape(needle) for needle in ordered))


class Scrubber:
    """Replaces one execution's secrets in text and values leaving an activity."""

    def __init__(self, secrets: Mapping[str, Any]) -> None:
        """Collect the forms of every value of ``secrets`` (name to string or object)."""
        needles: set[str] = set()
        for secret in secrets.values():
            for plain in _plain_values(secret):
                needles |= encodings(plain)
        self._text = _pattern(needles)
        self._data = _pattern({n for n in needles if len(n) >= MIN_DATA_LENGTH})

    def __bool__(self) -> bool:
        """False when there is nothing to scrub."""
        return self._text is not None

    def text(self, text: str) -> str:
        """``text`` (an error or log message) with every secret form replaced, however short."""
        return text if self._text is None else self._text.sub(MASK, text)

    def data(self, value: Any) -> Any:
        """``value`` (a result) with secrets of :data:`MIN_DATA_LENGTH` or more replaced.

        Strings anywhere inside dicts (keys too), lists and dataclasses are scrubbed.
        """
        return _walk(value, self._data)

    def error(self, exc: Exception) -> ApplicationError:
        """``exc`` as an :class:`ApplicationError` whose message and details are scrubbed.

        A plain exception keeps its class name as the error type, so Temporal's retry policy
        (``non_retryable_error_types``) treats it as before.
        """
        if isinstance(exc, ApplicationError):
            return ApplicationError(
                self.text(exc.message),
                *(_walk(detail, self._text) for detail in exc.details),
                type=exc.type,
                non_retryable=exc.non_retryable,
                next_retry_delay=exc.next_retry_delay,
                category=exc.category,
            )
        return ApplicationError(self.text(str(exc)), type=type(exc).__name__)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Scrub the log records emitted in this context (see :class:`ScrubFilter`)."""
        token = _ACTIVE.set(self)
        try:
            yield
        finally:
            _ACTIVE.reset(token)


def _walk(value: Any, pattern: re.Pattern[str] | None) -> Any:
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if isinstance(value, dict):
        return {_walk(k, pattern): _walk(v, pattern) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, pattern) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _walk(getattr(value, f.name), pattern) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value


class ScrubFilter(logging.Filter):
    """Scrubs records emitted while an activity's :meth:`Scrubber.active` context is current.

    Attach it to handlers, not loggers: a logger's filters do not see records propagated from
    its children (httpx, grpc, temporalio).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record``'s message and exception text in place; never drops it."""
        scrubber = _ACTIVE.get()
        if not scrubber:
            return True
        record.msg = scrubber.text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrubber.text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrubber.text(record.stack_info)
        return True


def install_log_scrubbing(logger: logging.Logger | None = None) -> None:
    """Add a :class:`ScrubFilter` to every handler of ``logger`` (default: root). Idempotent."""
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
