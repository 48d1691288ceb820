"""Async gRPC client of stigmer-server (workflows, instances, executions)."""

from __future__ import annotations

from workflow_runner.client.config import ClientConfig
from workflow_runner.client.retry import RetryPolicy, StigmerRpcError, call_with_retry
from workflow_runner.client.stigmer_client import StigmerClient

__all__ = ["ClientConfig", "RetryPolicy", "StigmerClient", "StigmerRpcError", "call_with_retry"]
