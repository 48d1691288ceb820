"""Typo hints in place of raw schema errors, checked through ``load_workflow``."""

from __future__ import annotations

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.authoring import did_you_mean

HEAD = "document: {dsl: '1.0.0', namespace: test, name: typo, version: '1.0.0'}\ndo:\n"
KINDS = (
    "`call`, `do`, `fork`, `emit`, `for`, `listen`, `raise`, `run`, `set`, `switch`, `try`, `wait`"
)


def _problems(tasks: str) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_workflow(HEAD + tasks)
    return info.value.problems


def test_unknown_kind_is_named_with_the_closest_kind() -> None:
    assert _problems("  - a:\n      sett: {x: 1}\n") == [
        "/do/0/a: unknown task kind `sett` (did you mean `set`?)"
    ]


def test_unknown_kind_without_a_close_one_lists_the_kinds() -> None:
    assert _problems("  - a:\n      frobnicate: {x: 1}\n") == [
        f"/do/0/a: unknown task kind `frobnicate` (expected one of {KINDS})"
    ]
    assert _problems("  - a:\n      then: end\n") == [
        f"/do/0/a: task has no kind (expected one of {KINDS})"
    ]


def test_misspelt_task_property_and_call_argument() -> None:
    assert _problems("  - a:\n      set: {x: 1}\n      thn: end\n") == [
        "/do/0/a/thn: unknown property `thn` of a `set` task (did you mean `then`?)"
    ]
    http = "  - a:\n      call: http\n      with: {methd: get, endpoint: 'http://x'}\n"
    assert _problems(http) == [
        "/do/0/a/with/methd: unknown argument `methd` of `call: http` (did you mean `method`?)"
    ]


def test_typos_inside_nested_task_lists_are_found() -> None:
    nested = (
        "  - outer:\n      for: {each: i, in: '${ [1] }'}\n      do:\n"
        "        - inner:\n            sett: {x: 1}\n"
        "  - guarded:\n      try:\n        - b: {set: {x: 1}}\n"
        "      catch:\n        do:\n          - c: {wiat: PT1S}\n"
    )
    assert _problems(nested) == [
        "/do/0/outer/do/0/inner: unknown task kind `sett` (did you mean `set`?)",
        "/do/1/guarded/catch/do/0/c: unknown task kind `wiat` (did you mean `wait`?)",
    ]


def test_other_schema_errors_are_kept() -> None:
    with pytest.raises(DefinitionError) as info:
        load_workflow(HEAD.replace("name: typo, ", "") + "  - a:\n      sett: {x: 1}\n")
    assert info.value.problems == [
        "/do/0/a: unknown task kind `sett` (did you mean `set`?)",
        '/document: schema: "name" is a required property',
    ]


def test_schema_errors_without_a_typo_stay_raw() -> None:
    (problem, *_) = _problems("  - a:\n      set: 5\n")
    assert problem.startswith("/do/0/a: schema: ")


def test_unknown_then_target_suggests_a_sibling() -> None:
    assert _problems(
        "  - a:\n      set: {x: 1}\n      then: finsh\n  - finish:\n      set: {y: 1}\n"
    ) == [
        "/do/0/a/then: `then` targets unknown task `finsh` (did you mean `finish`?); "
        "tasks in this scope: `a`, `finish`; or `continue`, `exit`, `end`"
    ]


def test_did_you_mean() -> None:
    assert did_you_mean("thn", ["then", "timeout"]) == "then"
    assert did_you_mean("zzz", ["then", "timeout"]) is None
