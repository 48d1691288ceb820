"""Session fixtures for end-to-end tests: both services as subprocesses on real servers."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from stigmer_devstack.ports import free_port
from stigmer_devstack.secrets_key import KEYS_SETTING, new_secrets_key
from stigmer_testing.services import stop_process, wait_grpc_serving


@pytest.fixture(scope="session")
def service_env(redis_url: str, temporal_address: str) -> dict[str, str]:
    """Environment shared by both services: one Redis prefix and unique task queues."""
    port = free_port()
    run = uuid.uuid4().hex[:8]
    return {
        **os.environ,
        "GRPC_PORT": str(port),
        "GRPC_HOST": "127.0.0.1",
        "REDIS_URL": redis_url,
        "STIGMER_REDIS_KEY_PREFIX": f"e2e-{run}",
        "TEMPORAL_HOST_PORT": temporal_address,
        "TEMPORAL_WORKFLOW_EXECUTION_STIGMER_TASK_QUEUE": f"stigmer-{run}",
        "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE": f"runner-{run}",
        "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE": f"zigflow-{run}",
        "STIGMER_BACKEND_ENDPOINT": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        KEYS_SETTING: new_secrets_key("e2e"),
    }


@pytest.fixture(scope="session")
def stigmer_endpoint(service_env: dict[str, str]) -> Iterator[str]:
    """stigmer-server and workflow-runner running as subprocesses; yields the server endpoint."""
    server = subprocess.Popen([sys.executable, "-m", "stigmer_server.main"], env=service_env)
    runner = subprocess.Popen([sys.executable, "-m", "workflow_runner.main"], env=service_env)
    endpoint = service_env["STIGMER_BACKEND_ENDPOINT"]
    try:
        wait_grpc_serving(endpoint, server)
        yield endpoint
    finally:
        stop_process(runner)
        stop_process(server)
