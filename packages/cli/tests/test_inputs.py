"""Which inputs go inline in ``create`` and which are uploaded apart (ADR 0033)."""

from __future__ import annotations

import json

from stigmer_cli.inputs import INLINE_INPUT_JSON_BYTES, uploaded_input
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.limits import MAX_INPUT_BYTES


def test_a_small_input_goes_inline_and_a_large_one_is_uploaded_as_compact_json() -> None:
    assert uploaded_input({"name": "Ada"}) is None
    large = {"items": ["x" * 100] * (INLINE_INPUT_JSON_BYTES // 100)}
    text = uploaded_input(large)
    assert text is not None and json.loads(text) == large
    assert b", " not in text[:200]


def test_an_inline_input_of_small_values_fits_the_servers_input_limit() -> None:
    # One-digit numbers: the Struct encoding's worst case against compact JSON.
    payload = {"n": [1] * 1000}
    ratio = len(bytes(wkt.Struct.from_dict(payload))) / len(json.dumps(payload).replace(" ", ""))
    assert ratio * INLINE_INPUT_JSON_BYTES < MAX_INPUT_BYTES
