"""Regular expressions in event filters: spelled ``/pattern/``, vetted at load, time-bounded.

A filter value is a regular expression only when written between slashes; any other string is
compared for equality. Patterns are untrusted (the document's author writes them, events supply
the text), so :func:`pattern_problem` rejects at load what can backtrack catastrophically and
:func:`full_match` bounds each match in time with the ``regex`` module.
"""

from __future__ import annotations

from typing import Any

import regex
from stigmer_protos import limits

from stigmer_dsl.errors import make_error

MAX_PATTERN_CHARS = limits.MAX_FILTER_PATTERN_CHARS
"""Longest pattern (between the slashes) a document may use."""

MAX_PATTERN_QUANTIFIERS = limits.MAX_FILTER_PATTERN_QUANTIFIERS
"""Most quantifiers one pattern may use (each adjacent one multiplies the backtracking)."""

MATCH_TIMEOUT_SECONDS = limits.FILTER_MATCH_TIMEOUT_SECONDS
"""Wall-clock budget of one match; exceeding it fails the execution (ADR 0020)."""

_QUANTIFIER = regex.compile(r"[*+?]|\{\d+(?:,\d*)?\}|\{,\d+\}")
_BACKREFERENCE = regex.compile(r"\\[1-9]|\\[gk]|\(\?P=|\(\?P>|\(\?&|\(\?R|\(\?\d")


def pattern_of(value: Any) -> str | None:
    """The regular expression a filter value spells (``/pattern/``), or None for a plain value."""
    if isinstance(value, str) and len(value) > 2 and value[0] == value[-1] == "/":
        return value[1:-1]
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` may not be used in an event filter, or None when it may.

    Rejected: patterns longer than :data:`MAX_PATTERN_CHARS`, patterns that do not compile,
    backreferences and recursion, fuzzy matching, and a quantified group that itself contains a
    quantifier or an alternation (``(a+)+``, ``(a|ab)*``): the shapes that backtrack
    exponentially; and more than :data:`MAX_PATTERN_QUANTIFIERS` quantifiers.
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"pattern of {len(pattern)} characters; at most {MAX_PATTERN_CHARS} are accepted"
    try:
        regex.compile(pattern)
    except regex.error as exc:
        return f"invalid regular expression: {exc}"
    if _BACKREFERENCE.search(pattern):
        return "backreferences and recursion are not allowed in event filter patterns"
    return _structure_problem(pattern)


def _structure_problem(pattern: str) -> str | None:
    """Scan ``pattern`` for fuzzy matching and quantified groups holding a quantifier or ``|``."""
    # One flag per open group: whether it contains a quantifier or an alternation.
    groups = [False]
    quantifiers = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            groups.append(False)
            i += 2 if pattern.startswith("(?", i) else 1
            continue
        if char == ")":
            inner = groups.pop() if len(groups) > 1 else False
            quantifier = _QUANTIFIER.match(pattern, i + 1)
            if quantifier and inner:
                return (
                    f"nested quantifier at character {i + 1}: a repeated group may not contain "
                    "a quantifier or an alternation (it can backtrack exponentially)"
                )
            groups[-1] = groups[-1] or inner or quantifier is not None
            i = quantifier.end() if quantifier else i + 1
            quantifiers += quantifier is not None
            continue
        if char == "|":
            groups[-1] = True
        elif char == "{" and not _QUANTIFIER.match(pattern, i):
            return f"'{{' at character {i + 1} must be escaped (fuzzy matching is not allowed)"
        elif _QUANTIFIER.match(pattern, i):
            groups[-1] = True
            quantifiers += 1
        i += 1
    if quantifiers > MAX_PATTERN_QUANTIFIERS:
        return f"{quantifiers} quantifiers; at most {MAX_PATTERN_QUANTIFIERS} are accepted"
    return None


def _class_end(pattern: str, start: int) -> int:
    """Index just past the character class opening at ``start``."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def full_match(pattern: str, value: str) -> bool:
    """Whether ``value`` matches all of ``pattern`` within :data:`MATCH_TIMEOUT_SECONDS`.

    Raises:
        WorkflowError: The match ran out of time (a DSL ``runtime`` error naming the pattern).
    """
    try:
        return regex.fullmatch(pattern, value, timeout=MATCH_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise make_error(
            "runtime",
            f"event filter pattern /{pattern}/ did not finish matching a {len(value)}-character "
            f"value within {MATCH_TIMEOUT_SECONDS} s",
            title="Event filter timeout",
        ) from None
