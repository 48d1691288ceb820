"""The engine loads every 1.0.x document, pre-releases included, and names any other version."""

from __future__ import annotations

import pytest
from stigmer_dsl import DefinitionError, load_workflow


def _doc(version: str) -> str:
    return (
        f"document: {{dsl: '{version}', namespace: test, name: v, version: '1.0.0'}}\n"
        "do:\n  - a:\n      set: {x: 1}\n"
    )


@pytest.mark.parametrize("version", ["1.0.0", "1.0.3", "1.0.0-alpha5", "1.0.1-rc.1+b7"])
def test_1_0_x_versions_load(version: str) -> None:
    assert load_workflow(_doc(version)).document["dsl"] == version


@pytest.mark.parametrize("version", ["1.1.0", "0.8.0", "2.0.0-alpha5"])
def test_other_versions_are_refused_at_the_dsl_pointer(version: str) -> None:
    with pytest.raises(DefinitionError) as info:
        load_workflow(_doc(version))
    assert (
        f"/document/dsl: must be a 1.0.x DSL version (e.g. 1.0.0, 1.0.3 or 1.0.0-alpha5), got '{version}'"
        in str(info.value)
    )
