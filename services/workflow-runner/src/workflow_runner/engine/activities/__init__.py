"""The engine's activities, bound to one worker's :class:`~workflow_runner.engine.EngineConfig`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from stigmer_protos.temporal_names import (
    EMIT_EVENT_ACTIVITY,
    GRPC_CALL_ACTIVITY,
    HTTP_CALL_ACTIVITY,
    OPENAPI_CALL_ACTIVITY,
    RUN_PROCESS_ACTIVITY,
)
from temporalio import activity
from temporalio.exceptions import CancelledError

from workflow_runner.engine import secrets
from workflow_runner.engine.activities.emit_event import EmitRequest, EmitResult, deliver
from workflow_runner.engine.activities.grpc_call import GrpcRequest, GrpcResponse
from workflow_runner.engine.activities.grpc_call import call as call_grpc
from workflow_runner.engine.activities.heartbeat import heartbeating
from workflow_runner.engine.activities.http_call import HttpRequest, HttpResponse, perform
from workflow_runner.engine.activities.openapi_call import OpenApiRequest, OpenApiResponse, call
from workflow_runner.engine.activities.run_process import ProcessResult, RunRequest, run_process
from workflow_runner.engine.config import EngineConfig
from workflow_runner.engine.identity import scheduling_execution_id
from workflow_runner.engine.offloaded_evaluation import evaluate_expression
from workflow_runner.engine.scrub import Scrubber


class _SecretScoped(Protocol):
    """What the activities' requests share about secrets."""

    @property
    def secret_names(self) -> list[str] | None: ...
    @property
    def secret_sites(self) -> list[secrets.SecretSite]: ...


_Result = TypeVar("_Result")


class EngineActivities:
    """Holds the worker's engine configuration; its methods are the engine's activities.

    Each one heartbeats from a background task while it runs (see
    :mod:`~workflow_runner.engine.activities.heartbeat`), so a crashed worker is detected by the
    heartbeat timeout the engine schedules them with, and the attempt is retried elsewhere.

    The activities that use secrets run through :meth:`_scrubbed`: whatever leaves them (result,
    error, log records) is scrubbed of the execution's secrets (see
    :mod:`~workflow_runner.engine.scrub`).
    """

    def __init__(self, config: EngineConfig | None = None) -> None:
        """Bind to ``config`` (default: :meth:`EngineConfig.from_env`)."""
        self.config = config or EngineConfig.from_env()

    async def _secrets(self, request: _SecretScoped) -> dict[str, Any]:
        """The secrets a call needs: only fetched when the request has secret sites.

        They are the secrets of the execution whose interpreter workflow scheduled the activity
        (never of an execution named in the request, which anyone scheduling it chooses).
        """
        if not request.secret_sites:
            return {}
        return await secrets.fetch(self.config, scheduling_execution_id(), request.secret_names)

    async def _scrubbed(
        self,
        request: _SecretScoped,
        perform: Callable[[dict[str, Any]], Awaitable[_Result]],
    ) -> _Result:
        """Run ``perform`` with the request's secrets; scrub its result, error and logs."""
        values = await self._secrets(request)
        scrubber = Scrubber(values)
        if not scrubber:
            return await perform(values)
        with scrubber.active():
            try:
                result = await perform(values)
            except CancelledError:
                raise  # Temporal's cancellation, not a message
            except Exception as exc:
                raise scrubber.error(exc) from None
        scrubbed: _Result = scrubber.data(result)
        return scrubbed

    @activity.defn(name=HTTP_CALL_ACTIVITY)
    async def http_call(self, request: HttpRequest) -> HttpResponse:
        """``call: http`` (see :func:`~workflow_runner.engine.activities.http_call.perform`)."""
        async with heartbeating():
            policy = self.config.network_policy
            return await self._scrubbed(request, lambda values: perform(request, values, policy))

    @activity.defn(name=OPENAPI_CALL_ACTIVITY)
    async def openapi_call(self, request: OpenApiRequest) -> OpenApiResponse:
        """``call: openapi``."""
        async with heartbeating():
            return await self._scrubbed(request, lambda values: call(request, values, self.config))

    @activity.defn(name=GRPC_CALL_ACTIVITY)
    async def grpc_call(self, request: GrpcRequest) -> GrpcResponse:
        """``call: grpc`` (see :mod:`~workflow_runner.engine.activities.grpc_call`)."""
        async with heartbeating():
            return await self._scrubbed(
                request, lambda values: call_grpc(request, values, self.config)
            )

    @activity.defn(name=EMIT_EVENT_ACTIVITY)
    async def emit_event(self, request: EmitRequest) -> EmitResult:
        """``emit``: POST to the configured sink, or log when there is none."""
        async with heartbeating():
            return await deliver(
                request, self.config.event_sink_url, self.config.event_sink_api_key
            )

    @activity.defn(name=RUN_PROCESS_ACTIVITY)
    async def run_process(self, request: RunRequest) -> ProcessResult:
        """``run: shell`` / ``run: script`` when the worker allows it."""
        async with heartbeating():
            return await self._scrubbed(
                request, lambda values: run_process(self.config, request, values)
            )

    def all(self) -> list[Callable[..., Any]]:
        """Every activity, for ``Worker(activities=...)``."""
        return [
            self.http_call,
            self.openapi_call,
            self.grpc_call,
            self.emit_event,
            self.run_process,
            evaluate_expression,
        ]
