"""Typed access to one kind of resource on top of a :class:`ResourceStore`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, Self, TypeVar

from stigmer_protos.ai.stigmer.commons import apiresource as ar

from stigmer_server.domain.kinds import Kind
from stigmer_server.domain.validation import check_org, check_slug
from stigmer_server.errors import NotFoundError
from stigmer_server.offload import run_sized
from stigmer_server.store import codec
from stigmer_server.store.base import ResourceStore, StoredRecord


class StoredMessage(Protocol):
    """A betterproto2 resource message with metadata."""

    metadata: ar.ApiResourceMetadata | None

    def __bytes__(self) -> bytes: ...

    @classmethod
    def parse(cls, data: bytes) -> Self: ...


M = TypeVar("M", bound=StoredMessage)


@dataclass(frozen=True)
class Written(Generic[M]):
    """A resource as just written.

    Attributes:
        message: Its new state.
        data: Its encoding as stored.
        published: Its encoding in the form its event stream receives (what readers see).
    """

    message: M
    data: bytes
    published: bytes


def _md(message: StoredMessage) -> ar.ApiResourceMetadata:
    if message.metadata is None:
        raise ValueError("stored resources always have metadata")
    return message.metadata


class Repository(Generic[M]):
    """Resources of one kind, (de)serialized, with their index membership computed."""

    def __init__(
        self,
        store: ResourceStore,
        kind: Kind,
        cls: type[M],
        indexes: Callable[[M], frozenset[str]],
        published: Callable[[M], M] | None = None,
        closed: Callable[[M], bool] | None = None,
    ) -> None:
        """Bind ``store`` to one kind.

        Args:
            store: The underlying store.
            kind: Resource kind.
            cls: Message class of the kind.
            indexes: Index names a resource belongs to.
            published: The form of a resource its event stream receives (default: as stored).
            closed: Whether a resource expects no later state (its stream may then expire).
        """
        self.store = store
        self.kind = kind
        self._cls = cls
        self._indexes = indexes
        self._published = published
        self._closed = closed

    def decode(self, data: bytes) -> M:
        """Parse stored data."""
        return codec.decode(self._cls, data)

    def _record(self, message: M, encode: Callable[[M], bytes] = codec.encode) -> StoredRecord:
        md = _md(message)
        check_org(md.org, "metadata.org")
        check_slug(md.slug, "metadata.slug")
        shown = message if self._published is None else self._published(message)
        return StoredRecord(
            id=md.id,
            org=md.org,
            slug=md.slug,
            data=encode(message),
            indexes=self._indexes(message),
            # Encoding is costly: a form identical to the stored one is not encoded twice.
            published=None if shown is message else encode(shown),
            closed=self._closed is not None and self._closed(message),
        )

    async def create(self, message: M) -> None:
        """Store a new resource (slug reserved atomically), encoded in a worker thread."""
        await self.store.create(self.kind, await asyncio.to_thread(self._record, message))

    async def get(self, resource_id: str) -> M | None:
        """Return the resource or ``None`` (a large one decoded in a worker thread)."""
        data = await self.store.get(self.kind, resource_id)
        return None if data is None else await run_sized(len(data), self.decode, data)

    async def require_encoded(self, resource_id: str) -> bytes:
        """Return the resource as stored (encoded).

        Raises:
            NotFoundError: "<Kind> not found: <id>".
        """
        data = await self.store.get(self.kind, resource_id)
        if data is None:
            raise NotFoundError(f"{self.kind.name} not found: {resource_id}")
        return data

    async def require(self, resource_id: str) -> M:
        """Return the resource.

        Raises:
            NotFoundError: "<Kind> not found: <id>".
        """
        found = await self.get(resource_id)
        if found is None:
            raise NotFoundError(f"{self.kind.name} not found: {resource_id}")
        return found

    async def find_by_slug(self, org: str, slug: str) -> M | None:
        """Return the resource owning ``slug`` in ``org``, or ``None``.

        Raises:
            InvalidArgumentError: ``org`` or ``slug`` breaks its rule (``metadata.*`` named).
        """
        check_org(org, "metadata.org")
        check_slug(slug, "metadata.slug")
        rid = await self.store.find_id_by_slug(self.kind, org, slug)
        return None if rid is None else await self.get(rid)

    async def resolve_id(self, md: ar.ApiResourceMetadata) -> str:
        """Return the id of the stored resource ``md`` names: by id, else by slug in its org.

        Raises:
            NotFoundError: Nothing is stored under that id or slug.
        """
        if md.id:
            await self.require(md.id)
            return md.id
        found = await self.find_by_slug(md.org, md.slug)
        if found is None:
            raise NotFoundError(f"{self.kind.name} not found: slug '{md.slug}'")
        return _md(found).id

    async def update(
        self, resource_id: str, change: Callable[[M], M], *, publish: bool = False
    ) -> M:
        """Apply ``change`` atomically (retried on concurrent writes); return the new state.

        ``change`` must not alter id, org or slug.
        """
        written = await self.write(resource_id, lambda message, _: change(message), publish=publish)
        return written.message

    async def write(
        self,
        resource_id: str,
        change: Callable[[M, bytes], M],
        *,
        publish: bool = False,
        encode: Callable[[M], bytes] = codec.encode,
        decode: Callable[[bytes], M] | None = None,
    ) -> Written[M]:
        """Like :meth:`update`, for a ``change`` that also reads the stored bytes it is given;
        returns the new state with its published encoding.

        Args:
            resource_id: Resource id.
            change: Gets the decoded resource and its stored bytes; returns the new state.
            publish: Append the new state to the resource's event stream.
            encode: Encodes the new state (and its published form) after ``change`` ran; it
                must give what ``bytes(message)`` gives, e.g. reusing bytes ``change`` read.
            decode: Decodes the stored bytes (default: :meth:`decode`); it must give what
                :meth:`decode` gives.
        """
        parse = self.decode if decode is None else decode
        committed: list[Written[M]] = []

        def apply(data: bytes) -> StoredRecord:
            message = change(parse(data), data)
            record = self._record(message, encode)
            # The last attempt is the one that was written.
            published = record.data if record.published is None else record.published
            committed[:] = [Written(message, record.data, published)]
            return record

        await self.store.update(self.kind, resource_id, apply, publish=publish)
        return committed[0]

    async def delete(self, resource_id: str, check: Callable[[M], None] | None = None) -> M:
        """Delete the resource and return it."""
        guard = None if check is None else (lambda data: check(self.decode(data)))
        return self.decode(await self.store.delete(self.kind, resource_id, guard))
