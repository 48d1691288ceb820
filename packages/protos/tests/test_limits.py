"""The limits table in ``docs/limits.md`` is the module's, and the limits fit Temporal."""

from __future__ import annotations

from pathlib import Path

from stigmer_protos import limits

DOC = Path(__file__).resolve().parents[3] / "docs" / "limits.md"


def test_the_documented_table_is_generated_from_the_module() -> None:
    assert limits.markdown_table() in DOC.read_text()


def test_every_limit_constant_is_in_the_table() -> None:
    constants = {
        name
        for name, value in vars(limits).items()
        if name.isupper() and isinstance(value, int | float) and name != "MIB"
    }
    assert constants == {limit.name for limit in limits.LIMITS}
    assert all(getattr(limits, lim.name) == lim.value for lim in limits.LIMITS)


def test_a_document_and_its_input_fit_one_temporal_payload() -> None:
    assert limits.MAX_DOCUMENT_BYTES + limits.MAX_INPUT_BYTES < limits.TEMPORAL_PAYLOAD_BYTES
    assert limits.MAX_MESSAGE_BYTES <= limits.TEMPORAL_MESSAGE_BYTES
    assert limits.MAX_INPUT_BYTES < limits.MAX_EXECUTION_SPEC_BYTES < limits.TEMPORAL_PAYLOAD_BYTES
