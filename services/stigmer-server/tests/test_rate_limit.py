"""Per-key rate limits over real gRPC and Redis: RESOURCE_EXHAUSTED with ``retry-after``."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import grpc
import pytest
from ss_helpers import bearer, keys
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_server.rate_limit import RETRY_AFTER, RateLimit

LIMIT = RateLimit(per_second=1, burst=3)
KEYS = keys("write:alpha,write:beta,runner:run")


async def listing(api: Any, key: str) -> grpc.StatusCode:
    try:
        await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest(), metadata=bearer(key))
    except grpc.aio.AioRpcError as err:
        return err.code()
    return grpc.StatusCode.OK


async def test_a_key_beyond_its_burst_is_told_when_to_retry(make_api: Any) -> None:
    api = await make_api(rate_limit=LIMIT, api_keys=KEYS)
    assert [await listing(api, "alpha") for _ in range(3)] == [grpc.StatusCode.OK] * 3
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.stubs.wexq.list(wex.ListWorkflowExecutionsRequest(), metadata=bearer("alpha"))
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    hint = dict(err.value.trailing_metadata() or ())[RETRY_AFTER]
    assert 0 < float(hint) <= 1.0
    assert await listing(api, "beta") == grpc.StatusCode.OK  # another key, another bucket
    await asyncio.sleep(float(hint))
    assert await listing(api, "alpha") == grpc.StatusCode.OK  # the hint was enough


async def test_replicas_share_one_bucket_per_key(make_api: Any) -> None:
    prefix = f"t{uuid.uuid4().hex}"
    one = await make_api(rate_limit=LIMIT, api_keys=KEYS, prefix=prefix)
    two = await make_api(rate_limit=LIMIT, api_keys=KEYS, prefix=prefix)
    assert [await listing(one, "alpha") for _ in range(3)] == [grpc.StatusCode.OK] * 3
    assert await listing(two, "alpha") == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_runner_keys_are_not_limited(make_api: Any) -> None:
    api = await make_api(rate_limit=LIMIT, api_keys=KEYS)
    codes = set()
    for _ in range(8):
        try:
            await api.stubs.wexq.get(
                wex.WorkflowExecutionId(value="wex-none"), metadata=bearer("run")
            )
        except grpc.aio.AioRpcError as err:
            codes.add(err.code())
    assert grpc.StatusCode.RESOURCE_EXHAUSTED not in codes and codes


async def test_without_a_limit_nothing_is_refused(make_api: Any) -> None:
    api = await make_api(api_keys=KEYS)
    assert {await listing(api, "alpha") for _ in range(10)} == {grpc.StatusCode.OK}
