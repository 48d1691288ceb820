from __future__ import annotations

from stigmer_dsl.lru import SizedLru


def test_values_are_kept_within_the_total_size_least_recently_used_first_out() -> None:
    cache: SizedLru[str, str] = SizedLru(10)
    cache.put("a", "aaaa", 4)
    cache.put("b", "bbbb", 4)
    assert cache.get("a") == "aaaa"  # now "b" is the least recently used
    cache.put("c", "cccc", 4)
    assert cache.get("b") is None
    assert cache.get("a") == "aaaa" and cache.get("c") == "cccc"


def test_a_value_larger_than_the_bound_is_not_kept_and_replacing_resizes() -> None:
    cache: SizedLru[str, str] = SizedLru(5)
    cache.put("big", "x" * 6, 6)
    assert cache.get("big") is None
    cache.put("k", "12345", 5)
    cache.put("k", "1", 1)
    cache.put("j", "1234", 4)  # fits only because "k" now counts 1
    assert cache.get("k") == "1" and cache.get("j") == "1234"
