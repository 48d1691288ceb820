"""Temporal: trace propagation through workflows and activities, and execution ids in activities."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.client import Interceptor as ClientInterceptor
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
)
from temporalio.worker import Interceptor as WorkerInterceptor

from stigmer_telemetry.context import execution_context


def client_interceptors() -> Sequence[ClientInterceptor]:
    """The interceptors every Temporal client gets: ``Client.connect(..., interceptors=...)``.

    ``TracingInterceptor`` is also a worker interceptor, so workers built on the client inherit
    it (StartWorkflow, RunWorkflow, StartActivity, RunActivity spans, context in headers).
    """
    return [TracingInterceptor()]


def with_tracing(client: Client) -> Client:
    """Return a client on the same connection with the tracing interceptor added.

    For clients made by a ``connect`` that takes no interceptors. A client that already has a
    ``TracingInterceptor`` is returned as it is.
    """
    config = client.config()
    if any(isinstance(i, TracingInterceptor) for i in config["interceptors"]):
        return client
    config["interceptors"] = [*config["interceptors"], *client_interceptors()]
    return Client(**config)


class ExecutionContextInterceptor(WorkerInterceptor):
    """Runs each activity inside :func:`execution_context` of the execution it works for.

    The execution id comes from the activity's workflow id (each service knows its own
    workflow id scheme), so every log line an activity writes carries it.
    """

    def __init__(self, execution_id_of: Callable[[str], str | None]) -> None:
        """Use ``execution_id_of(workflow_id)`` (None or ``""``: not an execution's workflow)."""
        self._execution_id_of = execution_id_of

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        """Wrap the activity inbound chain."""
        return _ExecutionContextInbound(next, self._execution_id_of)


class _ExecutionContextInbound(ActivityInboundInterceptor):
    def __init__(
        self, next: ActivityInboundInterceptor, execution_id_of: Callable[[str], str | None]
    ) -> None:
        super().__init__(next)
        self._execution_id_of = execution_id_of

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        execution_id = self._execution_id_of(activity.info().workflow_id or "") or ""
        with execution_context(execution_id):
            return await super().execute_activity(input)


def execution_id_after(prefix: str) -> Callable[[str], str | None]:
    """An ``execution_id_of`` for workflow ids of the form ``{prefix}{execution_id}``."""

    def of(workflow_id: str) -> str | None:
        return workflow_id[len(prefix) :] if workflow_id.startswith(prefix) else None

    return of
