"""The store interface the services use (implemented by :mod:`redis_store`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from stigmer_server.domain.kinds import Kind


@dataclass(frozen=True)
class StoredRecord:
    """One resource as the store keeps it.

    Attributes:
        id: Resource id.
        org: Org the slug is unique in ("" for none).
        slug: Slug, unique per kind within ``org``.
        data: Serialized resource.
        indexes: Names of the sorted-set indexes that list the resource.
        published: What the resource's event stream receives instead of ``data`` (e.g. with
            secret values redacted); ``None``: ``data``.
        closed: No later state is expected (e.g. a terminal execution): a published entry
            starts the stream's expiry.
    """

    id: str
    org: str
    slug: str
    data: bytes
    indexes: frozenset[str]
    published: bytes | None = None
    closed: bool = False


@dataclass(frozen=True)
class StreamEvent:
    """One entry of a resource's event stream.

    Attributes:
        position: Stream entry id, to resume after.
        data: The resource state written, or ``None`` when the resource was deleted or the
            state was too large for the stream (``reread``).
        reread: The entry only announces a write: read the resource itself.
    """

    position: str
    data: bytes | None
    reread: bool = False


Mutation = Callable[[bytes], StoredRecord]


class ResourceStore(Protocol):
    """Atomic, indexed storage of resources of several kinds."""

    async def create(self, kind: Kind, record: StoredRecord) -> None:
        """Store a new resource, reserving its slug; AlreadyExistsError when taken."""
        ...

    async def get(self, kind: Kind, resource_id: str) -> bytes | None:
        """Return the resource's data, or ``None``."""
        ...

    async def indexes(self, kind: Kind, resource_id: str) -> frozenset[str] | None:
        """The names of the indexes listing the resource (no decoding), or ``None``."""
        ...

    async def find_id_by_slug(self, kind: Kind, org: str, slug: str) -> str | None:
        """Return the id owning ``slug`` in ``org``, or ``None``."""
        ...

    async def update(
        self, kind: Kind, resource_id: str, mutate: Mutation, *, publish: bool = False
    ) -> bytes:
        """Read-modify-write with optimistic concurrency; ``mutate`` may run several times."""
        ...

    async def delete(
        self, kind: Kind, resource_id: str, check: Callable[[bytes], None] | None = None
    ) -> bytes:
        """Delete the resource with its slug and index entries; return its last data."""
        ...

    async def scan_index(
        self, kind: Kind, index: str, after_id: str | None, count: int
    ) -> list[tuple[str, bytes | None]]:
        """Up to ``count`` (id, data) pairs, newest first, after ``after_id``.

        ``data`` is ``None`` for an id whose record vanished meanwhile.
        """
        ...

    async def count_index(self, kind: Kind, index: str) -> int:
        """Number of resources in the index."""
        ...

    async def skip_index(self, kind: Kind, index: str, offset: int) -> str | None:
        """Id at ``offset - 1`` of the index (to resume after), or ``None`` when offset is 0."""
        ...

    async def snapshot_with_position(
        self, kind: Kind, resource_id: str
    ) -> tuple[bytes | None, str]:
        """Atomically read the resource and the position of its event stream."""
        ...

    async def read_events(
        self, kind: Kind, resource_id: str, after: str, block_ms: int, count: int
    ) -> list[StreamEvent]:
        """Block up to ``block_ms`` for events after ``after``; at most ``count``."""
        ...

    async def ping(self) -> None:
        """Raise when the store is unreachable."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
