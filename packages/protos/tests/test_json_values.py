"""Integral floats out of a Struct become ints again; nothing else changes."""

from __future__ import annotations

import math

from stigmer_protos.google import protobuf as wkt
from stigmer_protos.json_values import whole_numbers


def test_struct_numbers_come_back_whole() -> None:
    data = whole_numbers(wkt.Struct.from_dict({"id": 2, "r": 0.5, "l": [1, {"n": -3}]}).to_dict())
    assert data == {"id": 2, "r": 0.5, "l": [1, {"n": -3}]}
    assert type(data["id"]) is int and type(data["l"][1]["n"]) is int


def test_huge_fractional_and_non_finite_values_are_kept() -> None:
    assert type(whole_numbers(2.0**60)) is float
    assert whole_numbers(0.25) == 0.25
    assert math.isinf(whole_numbers(math.inf))
    assert whole_numbers((True, None, "2.0", -4.0)) == [True, None, "2.0", -4]
