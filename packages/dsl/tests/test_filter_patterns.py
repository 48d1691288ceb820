"""Unit tests of event filter matching: exact strings, ``/pattern/`` regexes, load-time vetting."""

from __future__ import annotations

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.errors import WorkflowError
from stigmer_dsl.filter_patterns import (
    MAX_PATTERN_CHARS,
    full_match,
    pattern_of,
    pattern_problem,
)


def test_pattern_of() -> None:
    assert pattern_of("/a.b/") == "a.b"
    assert pattern_of("//") is None
    assert pattern_of("/a") is None
    assert pattern_of(3) is None


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("(a+)+$", "nested quantifier"),
        ("(a|ab)*c", "nested quantifier"),
        ("(?:x*y?){3}", "nested quantifier"),
        ("((a)b+)*", "nested quantifier"),
        (r"(a)\1", "backreferences"),
        ("(?P<x>a)(?P=x)", "backreferences"),
        ("(abc){e<=1}", "fuzzy"),
        ("a(", "invalid regular expression"),
        ("a*" * 9, "9 quantifiers"),
        ("a" * (MAX_PATTERN_CHARS + 1), "at most"),
    ],
)
def test_dangerous_patterns_are_rejected(pattern: str, fragment: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    "pattern",
    [r"com\.example\.[a-z.]+", "(com|org)\\.x", "[(+*]+", r"\(a+\)+", "a{2,3}b?", "(?i)ab+"],
)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert pattern_problem(pattern) is None


def test_a_match_out_of_time_is_a_runtime_error() -> None:
    # Passes the structural checks (no nested quantifier) yet is polynomial enough to time out.
    pattern = "a*" * 8 + "[bc]"
    assert pattern_problem(pattern) is None
    with pytest.raises(WorkflowError) as info:
        full_match(pattern, "a" * 20000 + "bx")
    assert info.value.error["type"].endswith("/runtime")
    assert "did not finish matching a 20002-character value" in info.value.error["detail"]


def test_load_rejects_a_dangerous_filter_with_its_pointer() -> None:
    text = """document: {dsl: '1.0.3', namespace: t, name: p, version: '1.0.0'}
do:
  - l:
      listen:
        to:
          any:
            - with: {type: '/(a+)+$/'}
          until:
            one:
              with: {subject: '/(x|xy)*/'}
"""
    with pytest.raises(DefinitionError) as info:
        load_workflow(text)
    assert "/do/0/l/listen/to/any/0/with/type: nested quantifier" in str(info.value)
    assert "/do/0/l/listen/to/until/one/with/subject: nested quantifier" in str(info.value)
