"""The repository refuses an org or slug that breaks its rule, even past the request checks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_server.domain.kinds import WORKFLOW
from stigmer_server.errors import InvalidArgumentError
from stigmer_server.store.connection import connect
from stigmer_server.store.redis_store import RedisStore
from stigmer_server.store.repository import Repository


def _no_indexes(_: wf.Workflow) -> frozenset[str]:
    return frozenset()


@pytest_asyncio.fixture
async def repo(redis_url: str) -> AsyncIterator[Repository[wf.Workflow]]:
    client = connect(redis_url, max_connections=8)
    yield Repository(RedisStore(client, f"t{uuid.uuid4().hex}"), WORKFLOW, wf.Workflow, _no_indexes)
    await client.aclose()


@pytest.mark.parametrize(
    ("org", "slug", "field"),
    [("acme", "internal:payroll", "metadata.slug"), ("acme:internal", "payroll", "metadata.org")],
)
async def test_lookup_and_write_refuse_key_separators(
    repo: Repository[wf.Workflow], org: str, slug: str, field: str
) -> None:
    with pytest.raises(InvalidArgumentError) as lookup:
        await repo.find_by_slug(org, slug)
    assert str(lookup.value).startswith(field)
    record = wf.Workflow(metadata=ar.ApiResourceMetadata(id="wfl-x", org=org, slug=slug))
    with pytest.raises(InvalidArgumentError) as write:
        await repo.create(record)
    assert str(write.value).startswith(field)
    assert await repo.get("wfl-x") is None


async def test_valid_names_round_trip(repo: Repository[wf.Workflow]) -> None:
    record = wf.Workflow(metadata=ar.ApiResourceMetadata(id="wfl-y", org="local", slug="pay"))
    await repo.create(record)
    found = await repo.find_by_slug("local", "pay")
    assert found is not None and found.metadata is not None and found.metadata.id == "wfl-y"
