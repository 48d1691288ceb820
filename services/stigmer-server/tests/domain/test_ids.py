from __future__ import annotations

import re
import time

from stigmer_server.domain.ids import new_id, ulid


def test_ulid_encodes_time_and_randomness_in_lowercase_crockford() -> None:
    assert ulid(0, 0) == "0" * 26
    assert ulid((1 << 48) - 1, (1 << 80) - 1) == "7" + "z" * 25
    # 1 ms -> the 10th char from the left holds the lowest 5 time bits (26 chars, 80/5=16 rand).
    assert ulid(1, 0) == "0" * 9 + "1" + "0" * 16
    assert ulid(0, 31) == "0" * 25 + "z"


def test_ulids_sort_by_time_and_new_id_has_prefix() -> None:
    a = ulid(int(time.time() * 1000), (1 << 80) - 1)
    b = ulid(int(time.time() * 1000) + 1, 0)
    assert a < b
    rid = new_id("wex")
    assert re.fullmatch(r"wex-[0-9a-hjkmnp-tv-z]{26}", rid)
    assert new_id("wex") != rid
