from __future__ import annotations

import pytest
from stigmer_dsl.converter import ConversionError, dsl_to_workflow_spec, workflow_to_dsl

DOC = {"namespace": "t", "name": "v", "version": "1.0.0"}
DO = [{"a": {"set": {"x": 1}}}]


def test_a_pre_release_version_round_trips() -> None:
    doc = {"document": {"dsl": "1.0.0-alpha5", **DOC}, "do": DO}
    assert workflow_to_dsl(dsl_to_workflow_spec(doc))["document"]["dsl"] == "1.0.0-alpha5"


@pytest.mark.parametrize("version", ["1.1.0", "0.8"])
def test_another_version_is_refused_naming_the_field(version: str) -> None:
    with pytest.raises(ConversionError) as info:
        dsl_to_workflow_spec({"document": {"dsl": version, **DOC}, "do": DO})
    assert "dsl" in str(info.value) and "must be a 1.0.x DSL version" in str(info.value)
