"""The sdk-go reference cases (``sdk-go-testdata/expected.yaml``) through the real engine.

Each case's ``expect`` is checked as its header says (whole output by value; error ``type``,
``detail``, ``message_contains``, ``output_is_null``). Where a case carries a ``spec_caveat``
and the spec prose decides differently, :data:`SPEC_OVERRIDES` replaces the expectation; each
override is listed in ``docs/spec-ambiguities.md``.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from .conftest import spec_dir

CORPUS = spec_dir() / "sdk-go-testdata"
if not CORPUS.exists():
    pytest.skip(f"sdk-go corpus not found at {CORPUS}", allow_module_level=True)

ERR = "https://serverlessworkflow.io/spec/1.0.0/errors/"

SPEC_OVERRIDES: dict[str, tuple[dict[str, Any], str]] = {
    "task-export-schema": (
        {"error": {"type": ERR + "validation", "output_is_null": True}},
        "export.as defaults to the existing (empty) context, which fails export.schema",
    ),
    "set-tasks-invalid-then": (
        {"error": {"type": ERR + "configuration", "output_is_null": True}},
        "an unknown then target is rejected at load",
    ),
    "raise-undefined-reference": (
        {"error": {"type": ERR + "configuration", "output_is_null": True}},
        "an undefined use.errors reference is rejected at load (configuration, 400)",
    ),
    "for-nested-loops": (
        {"output": {"matrix": [["apple", "red"], ["apple", "green"]]}},
        "$input is the current task's transformed input (dsl.md), not the workflow input",
    ),
}
"""Case id -> (expectation used instead, reason)."""

CASES = yaml.safe_load((CORPUS / "expected.yaml").read_text())["cases"]


def test_corpus_size() -> None:
    assert len(CASES) == 30


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
async def test_sdk_go(run_document: Any, case: dict[str, Any], record_property: Any) -> None:
    expect = case["expect"]
    if case["id"] in SPEC_OVERRIDES:
        expect, reason = SPEC_OVERRIDES[case["id"]]
        record_property("spec_override", reason)
    observation = await run_document((CORPUS / case["file"]).read_text(), case["input"])
    if "output" in expect:
        assert observation.error is None, observation.error
        assert observation.output == expect["output"]
        return
    error, wanted = observation.error, expect["error"]
    assert error is not None, f"expected a fault, got output {observation.output!r}"
    for key in ("type", "detail"):
        if key in wanted:
            assert error.get(key) == wanted[key], error
    if "message_contains" in wanted:
        message = f"{error.get('title')}: {error.get('detail')}"
        assert wanted["message_contains"] in message, error
    if wanted.get("output_is_null"):
        assert observation.output is None
