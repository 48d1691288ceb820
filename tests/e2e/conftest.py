"""Session fixtures for end-to-end tests: both services as subprocesses on real servers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from stigmer_devstack.ports import free_port


def _wait_serving(endpoint: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(endpoint) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"stigmer-server exited with {proc.returncode}")
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise TimeoutError(f"stigmer-server at {endpoint} not SERVING within {timeout}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
    }


@pytest.fixture(scope="session")
def stigmer_endpoint(service_env: dict[str, str]) -> Iterator[str]:
    """stigmer-server and workflow-runner running as subprocesses; yields the server endpoint."""
    server = subprocess.Popen([sys.executable, "-m", "stigmer_server.main"], env=service_env)
    runner = subprocess.Popen([sys.executable, "-m", "workflow_runner.main"], env=service_env)
    endpoint = service_env["STIGMER_BACKEND_ENDPOINT"]
    try:
        _wait_serving(endpoint, server)
        yield endpoint
    finally:
        _stop(runner)
        _stop(server)
