"""Values an execution's record holds by reference (docs/adr/0033-large-values-by-reference.md).

A value larger than the record holds inline (the final output above
:data:`~stigmer_protos.limits.MAX_OUTPUT_BYTES`) is stored as its JSON text, zlib-compressed,
under a key derived from the execution id and the value's path, and the record carries an
``ExecutionValueReference`` (path, size, SHA-256). Nothing a client sends names a key: the
server derives it from an execution the caller may read and a path that execution's record
references, and checks the digest on every read. Values live as long as their execution
(no expiry; deleted with it).
"""

from __future__ import annotations

import hashlib
import secrets
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as aioredis
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.errors import DataLossError, NotFoundError
from stigmer_server.store.keys import escape

OUTPUT_PATH = "status.output"
"""Path of the execution's final output."""

INPUT_PATH = "spec.input"
"""Path of an input uploaded before its create (``uploadInput``)."""

PATHS = frozenset({OUTPUT_PATH, INPUT_PATH})
"""Every path a value may be stored under."""

CHUNK_BYTES = 1024 * 1024
"""Largest part :meth:`ExecutionValues.chunks` yields (well below gRPC's 4 MiB)."""


def references(execution: wex.WorkflowExecution) -> dict[str, wex.ExecutionValueReference]:
    """The value references the execution's record carries, by path."""
    status = execution.status or wex.WorkflowExecutionStatus()
    spec = execution.spec or wex.WorkflowExecutionSpec()
    found: dict[str, wex.ExecutionValueReference] = {}
    for path, reference in (
        (OUTPUT_PATH, status.output_reference),
        (INPUT_PATH, spec.input_reference),
    ):
        if reference is not None and reference.path == path:
            found[path] = reference
    return found


def marker(reference: wex.ExecutionValueReference) -> dict[str, object]:
    """The object left inline in place of a referenced value (the record's truncation marker)."""
    return {"_truncated": True, "bytes": reference.size_bytes}


@dataclass(frozen=True)
class ExecutionValues:
    """Stores and reads referenced values in the server's Redis.

    Attributes:
        client: The server's redis-py asyncio client.
        prefix: The store's key prefix (``STIGMER_REDIS_KEY_PREFIX``).
    """

    client: aioredis.Redis
    prefix: str

    def key(self, execution_id: str, path: str) -> str:
        """The key of one value: its own hash tag, so values spread over a Redis Cluster."""
        return f"{self.prefix}:value:{{{escape(execution_id)}}}:{escape(path)}"

    async def put(self, execution_id: str, path: str, text: bytes) -> wex.ExecutionValueReference:
        """Store the JSON text ``text`` as the value at ``path``; return its reference.

        Idempotent: a retried write stores the same bytes under the same key.
        """
        compressed = zlib.compress(text, 1)
        await self.client.set(self.key(execution_id, path), compressed)
        return wex.ExecutionValueReference(
            path=path, size_bytes=len(text), sha256=hashlib.sha256(text).hexdigest()
        )

    async def read(self, execution_id: str, reference: wex.ExecutionValueReference) -> bytes:
        """The value's JSON text, checked against ``reference``.

        Raises:
            NotFoundError: The value is gone (e.g. the execution was deleted meanwhile).
            DataLossError: The stored text does not match the reference's digest.
        """
        stored = await self.client.get(self.key(execution_id, reference.path))
        if not isinstance(stored, bytes):  # None: gone (the client never decodes responses)
            raise NotFoundError(f"value {reference.path} of execution {execution_id} not found")
        text = zlib.decompress(stored)
        if hashlib.sha256(text).hexdigest() != reference.sha256:
            raise DataLossError(
                f"value {reference.path} of execution {execution_id} does not match its digest"
            )
        return text

    async def chunks(
        self, execution_id: str, reference: wex.ExecutionValueReference
    ) -> AsyncIterator[wex.WorkflowExecutionValueChunk]:
        """The value as getValue parts of at most :data:`CHUNK_BYTES`, the first with its size."""
        text = await self.read(execution_id, reference)
        for start in range(0, max(len(text), 1), CHUNK_BYTES):
            part = wex.WorkflowExecutionValueChunk(data=text[start : start + CHUNK_BYTES])
            if start == 0:
                part.size_bytes, part.sha256 = reference.size_bytes, reference.sha256
            yield part

    def upload_key(self, upload_id: str) -> str:
        """The key of an uploaded input until its create takes it."""
        return f"{self.prefix}:upload:{{{escape(upload_id)}}}"

    async def put_upload(self, text: bytes, ttl_seconds: int) -> wex.WorkflowExecutionInputUpload:
        """Keep an uploaded input's JSON text for ``ttl_seconds`` under a fresh random id
        (32 hex digits)."""
        upload_id = secrets.token_hex(16)
        await self.client.set(self.upload_key(upload_id), zlib.compress(text, 1), ex=ttl_seconds)
        return wex.WorkflowExecutionInputUpload(
            upload_id=upload_id, size_bytes=len(text), sha256=hashlib.sha256(text).hexdigest()
        )

    async def read_upload(self, upload_id: str) -> bytes | None:
        """An uploaded input's JSON text; None when unknown, taken or expired."""
        stored = await self.client.get(self.upload_key(upload_id))
        return zlib.decompress(stored) if isinstance(stored, bytes) else None

    async def drop_upload(self, upload_id: str) -> None:
        """Forget an upload (its create took it)."""
        await self.client.delete(self.upload_key(upload_id))

    async def delete(self, execution_id: str) -> None:
        """Remove every value of the execution."""
        await self.client.delete(*(self.key(execution_id, path) for path in PATHS))
