from __future__ import annotations

import pytest
from stigmer_dsl import DefinitionError
from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_dsl.definition_cache import DefinitionCache

DOC = """\
document: {dsl: '1.0.0', namespace: t, name: cached, version: '1.0.0'}
do:
  - a:
      set: {n: '${ 1 }'}
"""


def test_the_same_text_and_allow_list_share_one_definition() -> None:
    cache = DefinitionCache()
    first = cache.load(DOC)
    assert cache.load(DOC) is first
    assert [t.name for t in first.tasks] == ["a"]
    allowed = [AllowedActivity("Charge", "payments")]
    other = cache.load(DOC, allowed)
    assert other is not first  # the allow-list is part of what a definition depends on
    assert cache.load(DOC, allowed) is other
    assert cache.load(DOC, []) is not first  # an empty allow-list is not "no runner known"
    assert cache.load(DOC.replace("cached", "edited")) is not first


def test_a_failing_document_is_not_kept_and_fails_every_time() -> None:
    cache = DefinitionCache()
    bad = DOC.replace("set:", "sett:")
    for _ in range(2):
        with pytest.raises(DefinitionError, match="sett"):
            cache.load(bad)


def test_definitions_past_the_bound_are_loaded_again() -> None:
    cache = DefinitionCache(max_text=len(DOC) + 10)
    first = cache.load(DOC)
    cache.load(DOC.replace("cached", "other1"))
    assert cache.load(DOC) is not first
