"""Unit tests of loading and validating DSL documents."""

from __future__ import annotations

import pytest
from stigmer_dsl import DefinitionError, load_workflow

HEAD = "document: {dsl: '1.0.3', namespace: test, name: load, version: '1.0.0'}\n"


def _problems(text: str) -> str:
    with pytest.raises(DefinitionError) as info:
        load_workflow(text)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_tree_and_pointers() -> None:
    definition = load_workflow(
        HEAD
        + """
do:
  - outer:
      for: {in: .xs}
      do:
        - inner:
            try:
              - risky:
                  set: {a: 1}
            catch:
              do:
                - handle:
                    set: {b: 2}
  - par:
      fork:
        branches:
          - x/y:
              wait: PT1S
"""
    )
    outer, par = definition.tasks
    assert outer.pointer == "/do/0/outer" and outer.kind == "for"
    inner = outer.do[0]
    assert inner.pointer == "/do/0/outer/do/0/inner"
    assert inner.do[0].pointer == "/do/0/outer/do/0/inner/try/0/risky"
    assert inner.catch_do[0].pointer == "/do/0/outer/do/0/inner/catch/do/0/handle"
    assert par.branches[0].pointer == "/do/1/par/fork/branches/0/x~1y"
    assert definition.document["name"] == "load"


def test_yaml_and_schema_errors() -> None:
    assert "YAML parse error" in _problems("do: [")
    assert "schema" in _problems("document: {dsl: '1.0.3'}\ndo: []\n")


def test_unsupported_constructs_name_the_task_pointer() -> None:
    text = _problems(
        HEAD
        + """
do:
  - a:
      listen:
        to:
          one:
            with: {type: x}
            correlate: {k: {from: .id, expect: '${ $secrets.k }'}}
  - b:
      call: grpc
      with:
        proto: {endpoint: 'http://x/p.proto'}
        service: {name: S, host: h}
        method: ${ $secrets.method }
  - c:
      run:
        container: {image: alpine}
  - d:
      call: activity
      with: {}
  - e:
      emit:
        event:
          with: {source: 'http://x', type: t, data: '${ $secrets.k }'}
"""
    )
    for pointer in (
        "/do/0/a/listen/to/one/correlate/k/expect",
        "/do/1/b/with/method",
        "/do/2/c/run/container",
        "/do/3/d/with/name",
        "/do/4/e/emit/event/with",
    ):
        assert pointer in text
    assert "5 problems" in text


def test_references_and_expressions_are_checked() -> None:
    text = _problems(
        HEAD
        + """
do:
  - r:
      raise:
        error: Missing
  - s:
      set:
        x: ${ input }
  - t:
      switch:
        - c:
            when: .a ==
            then: nowhere
  - u:
      try:
        - v:
            set: {a: 1}
      catch:
        retry: nope
"""
    )
    assert "/do/0/r/raise/error: error 'Missing' is not defined in use.errors" in text
    assert "/do/1/s/set: not replay-safe" in text
    assert "/do/2/t/switch/0/c/when: jq syntax error" in text
    assert "/do/2/t/switch/0/c/then: `then` targets unknown task `nowhere`" in text
    assert "/do/3/u/catch/retry: retry policy 'nope'" in text


def test_yaml_on_key_stays_a_string() -> None:
    # YAML 1.1 would turn the key `on` into True and break schema validation.
    load_workflow(HEAD + "schedule:\n  every: PT1H\ndo:\n  - a:\n      set: {on: 1}\n")
