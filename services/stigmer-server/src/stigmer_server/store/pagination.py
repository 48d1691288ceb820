"""Keyset pagination over the sorted-set indexes (newest first).

Cost is proportional to the page: each page is one ``ZREVRANGEBYLEX`` from the token's position
plus one pipelined ``HGET`` per entry. Filters that have no index (tags) are applied after
reading, within a bounded scan of :data:`MAX_SCAN` entries per call: such a page may hold fewer
than ``page_size`` entries while ``next_page_token`` is still set. A page is also bounded by
bytes (``max_bytes``): it ends before the entry that would take it past the budget, and always
holds at least one entry, so it never exceeds ``max(max_bytes, largest resource)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from stigmer_server.domain.kinds import Kind
from stigmer_server.errors import InvalidArgumentError
from stigmer_server.store import page_token
from stigmer_server.store.base import ResourceStore

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_SCAN = 500


@dataclass(frozen=True)
class Page:
    """One page of a listing.

    Attributes:
        items: Serialized resources, newest first.
        next_page_token: Token of the next page; empty on the last one.
        total_pages: ``ceil(index size / page_size)``; with a post-filter (tags) an upper bound.
    """

    items: list[bytes]
    next_page_token: str
    total_pages: int


def page_size_of(requested: int, field: str = "page_size") -> int:
    """Validate and normalise a page size: default 50, capped at 100.

    Raises:
        InvalidArgumentError: A negative size.
    """
    if requested < 0:
        raise InvalidArgumentError(field, "must not be negative")
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    return min(requested, MAX_PAGE_SIZE)


async def list_page(
    store: ResourceStore,
    kind: Kind,
    index: str,
    *,
    size: int,
    token: str,
    query: str,
    accept: Callable[[bytes], bool] | None = None,
    after_id: str | None = None,
    max_bytes: int | None = None,
) -> Page:
    """Read one page of ``index``.

    Args:
        store: The store.
        kind: Resource kind.
        index: Index name.
        size: Normalised page size.
        token: The request's page token ("" for the first page).
        query: Canonical text of the filters; tokens only resume the same query.
        accept: Optional post-filter on the serialized resource.
        after_id: Start after this id when there is no token (legacy page numbers).
        max_bytes: Budget of the page's serialized resources; ``None``: count only.
    """
    after = page_token.decode(token, query) or after_id
    items: list[bytes] = []
    scanned = 0
    last = after
    exhausted = full = False
    used = 0
    while len(items) < size and scanned < MAX_SCAN and not full:
        want = size - len(items) if accept is None else min(MAX_SCAN - scanned, size * 2)
        batch = await store.scan_index(kind, index, last, want)
        if not batch:
            exhausted = True
            break
        for rid, data in batch:
            if data is not None and (accept is None or accept(data)):
                if max_bytes is not None and items and used + len(data) > max_bytes:
                    full = True  # this entry starts the next page
                    break
                used += len(data)
                items.append(data)
            last = rid
            scanned += 1
            if len(items) == size:
                break
        if not full and len(batch) < want and len(items) < size:
            exhausted = True
            break
    more = full or (
        not exhausted and last is not None and bool(await store.scan_index(kind, index, last, 1))
    )
    total = await store.count_index(kind, index)
    return Page(
        items=items,
        next_page_token=page_token.encode(last, query) if more and last else "",
        total_pages=math.ceil(total / size),
    )
