"""Session fixtures for end-to-end tests: both services as subprocesses on real servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stigmer_testing.stack import run_services
from stigmer_testing.stack import service_env as stack_env


@pytest.fixture(scope="session")
def service_env(redis_url: str, temporal_address: str) -> dict[str, str]:
    """Environment shared by both services: one Redis prefix and unique task queues."""
    return stack_env(redis_url, temporal_address, "e2e")


@pytest.fixture(scope="session")
def stigmer_endpoint(service_env: dict[str, str]) -> Iterator[str]:
    """stigmer-server and workflow-runner running as subprocesses; yields the server endpoint."""
    with run_services(service_env) as services:
        yield services.endpoint
