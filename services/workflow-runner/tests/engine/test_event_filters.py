"""Unit tests of event filter matching in ``listen``: exact strings and ``/pattern/`` regexes."""

from __future__ import annotations

from typing import Any

from workflow_runner.engine.events import matches


def _no_expressions(expr: str, value: Any) -> Any:
    raise AssertionError(f"unexpected expression {expr}")


def _matches(expected: Any, actual: Any) -> bool:
    return matches({"with": {"type": expected}}, {"type": actual}, _no_expressions)


def test_plain_strings_match_exactly() -> None:
    assert _matches("com.example.approval", "com.example.approval")
    assert not _matches("com.example.approval", "comXexampleXapproval")
    assert not _matches("com.example.approval", "com.example.approval.extra")
    assert not _matches("a.*", "abc")


def test_slash_delimited_values_are_anchored_regexes() -> None:
    assert _matches(r"/com\.example\..+/", "com.example.approval")
    assert not _matches(r"/com\.example\..+/", "xcom.example.approval")
    assert not _matches(r"/approval/", "com.example.approval")
    # an exact value that happens to be slash-delimited still matches itself
    assert _matches("/sensors/", "/sensors/")
    assert not _matches("/b/", 7)
