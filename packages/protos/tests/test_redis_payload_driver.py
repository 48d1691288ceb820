"""The Redis payload driver on a real Redis, through the SDK's ExternalStorage and a real Temporal."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from stigmer_protos.payload_storage import PayloadStorageConfig, external_storage
from stigmer_protos.redis_payload_driver import PayloadNotFoundError
from stigmer_protos.temporal import data_converter, sandbox_runner
from stigmer_protos.temporal_client import TemporalConnectionConfig, connect
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Replayer, Worker

THRESHOLD = 4096


def _config(redis_url: str, prefix: str) -> PayloadStorageConfig:
    return PayloadStorageConfig(
        kind="redis",
        threshold_bytes=THRESHOLD,
        redis_url=redis_url,
        key_prefix=f"{prefix}:payload:",
        ttl_seconds=600,
    )


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


async def test_a_large_value_is_stored_compressed_and_read_back(
    redis_url: str, prefix: str
) -> None:
    converter = data_converter(await external_storage(_config(redis_url, prefix)))
    value = {"rows": [{"id": i, "name": "row"} for i in range(5000)]}

    [payload] = await converter.encode([value])

    assert payload.ByteSize() < 1024
    redis = Redis.from_url(redis_url)
    [key] = await redis.keys(f"{prefix}:payload:*")
    stored = await redis.get(key)
    assert stored is not None and len(stored) < len(str(value)) / 4
    assert 0 < await redis.ttl(key) <= 600
    assert await converter.decode([payload]) == [value]


async def test_a_small_value_stays_inline(redis_url: str, prefix: str) -> None:
    converter = data_converter(await external_storage(_config(redis_url, prefix)))

    [payload] = await converter.encode([{"small": True}])

    assert payload.data == b'{"small":true}'
    assert await Redis.from_url(redis_url).keys(f"{prefix}:payload:*") == []


async def test_an_expired_payload_fails_with_its_digest(redis_url: str, prefix: str) -> None:
    converter = data_converter(await external_storage(_config(redis_url, prefix)))
    [payload] = await converter.encode(["x" * THRESHOLD * 2])
    redis = Redis.from_url(redis_url)
    await redis.delete(*await redis.keys(f"{prefix}:payload:*"))

    with pytest.raises(PayloadNotFoundError, match=r"sha256:[0-9a-f]{64}"):
        await converter.decode([payload])


async def test_a_changed_payload_fails_its_digest(redis_url: str, prefix: str) -> None:
    converter = data_converter(await external_storage(_config(redis_url, prefix)))
    [payload] = await converter.encode(["x" * THRESHOLD * 2])
    redis = Redis.from_url(redis_url)
    [key] = await redis.keys(f"{prefix}:payload:*")
    await converter.encode(["y" * THRESHOLD * 2])
    [other_key] = [k for k in await redis.keys(f"{prefix}:payload:*") if k != key]
    await redis.copy(other_key, key, replace=True)

    with pytest.raises(PayloadNotFoundError, match="fails its digest"):
        await converter.decode([payload])


def test_settings_are_read_from_the_environment() -> None:
    config = PayloadStorageConfig.from_env(
        {
            "STIGMER_PAYLOAD_STORAGE": "redis",
            "REDIS_URL": "redis://r:6379/1",
            "STIGMER_REDIS_KEY_PREFIX": "p",
            "STIGMER_PAYLOAD_THRESHOLD_BYTES": "1000",
        }
    )
    assert config == PayloadStorageConfig(
        kind="redis", threshold_bytes=1000, redis_url="redis://r:6379/1", key_prefix="p:payload:"
    )
    assert PayloadStorageConfig.from_env({}).kind == "none"
    with pytest.raises(ValueError, match="STIGMER_PAYLOAD_STORAGE"):
        PayloadStorageConfig.from_env({"STIGMER_PAYLOAD_STORAGE": "disk"})
    with pytest.raises(ValueError, match="STIGMER_PAYLOAD_THRESHOLD_BYTES"):
        PayloadStorageConfig.from_env({"STIGMER_PAYLOAD_THRESHOLD_BYTES": "big"})


@activity.defn
async def big_result(size: int) -> str:
    return "z" * size


@workflow.defn(sandboxed=True)
class EchoBig:
    @workflow.run
    async def run(self, text: str) -> str:
        got: str = await workflow.execute_activity(
            big_result, len(text), start_to_close_timeout=timedelta(seconds=30)
        )
        return text + got


async def test_history_holds_references_above_the_threshold(
    redis_url: str, prefix: str, temporal_address: str, task_queue: str
) -> None:
    """Inputs, activity results and the workflow result beyond Temporal's 2 MiB limit."""
    client = await connect(
        TemporalConnectionConfig(
            address=temporal_address, payload_storage=_config(redis_url, prefix)
        )
    )
    size = 3 * 1024 * 1024
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[EchoBig],
        activities=[big_result],
        workflow_runner=sandbox_runner(),
    ):
        handle = await client.start_workflow(
            EchoBig.run, "a" * size, id=f"big-{uuid.uuid4()}", task_queue=task_queue
        )
        result = await handle.result()

    assert result == "a" * size + "z" * size
    events = [e async for e in handle.fetch_history_events()]
    assert max(e.ByteSize() for e in events) < THRESHOLD
    completed = [e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]
    assert (
        completed[0]
        .activity_task_completed_event_attributes.result.payloads[0]
        .external_payloads[0]
        .size_bytes
        > size
    )

    history = await handle.fetch_history()
    without_storage = Replayer(workflows=[EchoBig], workflow_runner=sandbox_runner())
    with pytest.raises(RuntimeError, match="TMPRL1105"):
        await without_storage.replay_workflow(history)
    replayer = Replayer(
        workflows=[EchoBig], workflow_runner=sandbox_runner(), data_converter=client.data_converter
    )
    await replayer.replay_workflow(history)


@pytest.mark.parametrize("topology", ["redis_cluster", "redis_sentinel"])
async def test_large_values_round_trip_on_a_cluster_and_through_sentinel(
    request: pytest.FixtureRequest, topology: str, prefix: str
) -> None:
    # REDIS_URL=redis+cluster://... used to stop both services at start: the payload storage
    # built its client with Redis.from_url, which knows only redis:// (chaos soak, ADR 0034).
    url = request.getfixturevalue(topology).url
    converter = data_converter(await external_storage(_config(url, prefix)))
    values = [{"rows": [{"id": i, "part": n} for i in range(2000)]} for n in range(3)]

    payloads = await converter.encode(values)

    assert all(p.ByteSize() < 1024 for p in payloads)
    assert await converter.decode(payloads) == values
