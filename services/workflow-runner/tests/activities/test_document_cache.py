from __future__ import annotations

from workflow_runner.activities.document_cache import DocumentCache, digest


def test_documents_are_kept_by_the_digest_of_what_was_served() -> None:
    cache = DocumentCache()
    cache.put(digest(b"workflow v1"), "doc 1")
    assert cache.get(digest(b"workflow v1")) == "doc 1"
    assert cache.get(digest(b"workflow v2")) is None  # an edited workflow is another entry


def test_the_least_recently_used_documents_go_first_beyond_the_size() -> None:
    cache = DocumentCache(max_bytes=10)
    cache.put(b"a", "aaaa")
    cache.put(b"b", "bbbb")
    assert cache.get(b"a") == "aaaa"  # now more recent than b
    cache.put(b"c", "cccc")
    assert cache.get(b"b") is None
    assert cache.get(b"a") == "aaaa" and cache.get(b"c") == "cccc"
    cache.put(b"a", "a")  # replacing frees the old text
    cache.put(b"d", "dddd")
    assert [cache.get(k) for k in (b"a", b"c", b"d")] == ["a", "cccc", "dddd"]


def test_a_document_larger_than_the_cache_is_not_kept() -> None:
    cache = DocumentCache(max_bytes=3)
    cache.put(b"big", "four")
    assert cache.get(b"big") is None
