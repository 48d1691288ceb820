"""Assembly of the gRPC server: services, store, health, reflection, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from stigmer_protos import limits
from stigmer_protos.ai.stigmer.agentic import workflow, workflowexecution, workflowinstance
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import schedule_pb2_grpc as wf_sch
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import command_pb2_grpc as win_cmd
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import query_pb2_grpc as win_qry

from stigmer_server.access.interceptor import AccessInterceptor
from stigmer_server.access.key_source import ApiKeySource
from stigmer_server.access.runner_guard import RunnerGuard
from stigmer_server.config import Config
from stigmer_server.domain.clock import Clock, utc_now
from stigmer_server.events.ingress import EventIngress
from stigmer_server.events.publisher import EventPublisher
from stigmer_server.events.router import EventRouter
from stigmer_server.events.starter import EventStarter
from stigmer_server.events.store import EventStore
from stigmer_server.interceptor import RpcInterceptor
from stigmer_server.rate_limit import RateLimitInterceptor, TokenBuckets
from stigmer_server.secrets.keyring import Keyring
from stigmer_server.store.base import ResourceStore
from stigmer_server.store.claims import Claims, RedisClaims
from stigmer_server.store.connection import connect
from stigmer_server.store.redis_store import RedisStore
from stigmer_server.workflow.command import WorkflowCommandController
from stigmer_server.workflow.query import WorkflowQueryController
from stigmer_server.workflow.schedule.controller import WorkflowScheduleController
from stigmer_server.workflow.schedule.service import ScheduleService
from stigmer_server.workflow.schedule.settings import ScheduleSettings
from stigmer_server.workflow.service import WorkflowService
from stigmer_server.workflowexecution.command import WorkflowExecutionCommandController
from stigmer_server.workflowexecution.launcher import ExecutionLauncher
from stigmer_server.workflowexecution.query import WorkflowExecutionQueryController
from stigmer_server.workflowexecution.service import ExecutionService
from stigmer_server.workflowexecution.subscription import Subscriptions
from stigmer_server.workflowexecution.values import ExecutionValues
from stigmer_server.workflowinstance.command import WorkflowInstanceCommandController
from stigmer_server.workflowinstance.query import WorkflowInstanceQueryController
from stigmer_server.workflowinstance.service import InstanceService

_log = logging.getLogger(__name__)

_WF = workflow.v1.AI_STIGMER_AGENTIC_WORKFLOW_V1_COMMAND_PROTO_DESCRIPTOR
_WF_Q = workflow.v1.AI_STIGMER_AGENTIC_WORKFLOW_V1_QUERY_PROTO_DESCRIPTOR
_WF_S = workflow.v1.AI_STIGMER_AGENTIC_WORKFLOW_V1_SCHEDULE_PROTO_DESCRIPTOR
_WIN = workflowinstance.v1.AI_STIGMER_AGENTIC_WORKFLOWINSTANCE_V1_COMMAND_PROTO_DESCRIPTOR
_WIN_Q = workflowinstance.v1.AI_STIGMER_AGENTIC_WORKFLOWINSTANCE_V1_QUERY_PROTO_DESCRIPTOR
_WEX = workflowexecution.v1.AI_STIGMER_AGENTIC_WORKFLOWEXECUTION_V1_COMMAND_PROTO_DESCRIPTOR
_WEX_Q = workflowexecution.v1.AI_STIGMER_AGENTIC_WORKFLOWEXECUTION_V1_QUERY_PROTO_DESCRIPTOR

SERVICE_NAMES: tuple[str, ...] = tuple(
    svc.full_name
    for fd in (_WF, _WF_Q, _WF_S, _WIN, _WIN_Q, _WEX, _WEX_Q)
    for svc in fd.services_by_name.values()
)
_HEALTH_INTERVAL_S = 5.0


@dataclass(frozen=True)
class Services:
    """The use-case layer, shared by the controllers and (for executions) Temporal activities."""

    workflows: WorkflowService
    instances: InstanceService
    executions: ExecutionService
    subscriptions: Subscriptions
    schedules: ScheduleService


def build_services(
    store: ResourceStore,
    *,
    launcher: ExecutionLauncher | None,
    subscribe_block_ms: int = 2000,
    max_subscriptions: int = 384,
    max_subscriptions_per_key: int = 0,
    clock: Clock = utc_now,
    keyring: Keyring | None = None,
    claims: Claims | None = None,
    request_id_ttl_s: int = 86_400,
    values: ExecutionValues | None = None,
    schedule_settings: ScheduleSettings | None = None,
    subflow_max_depth: int = 8,
) -> Services:
    """Wire the services on ``store``.

    Args:
        store: Resource store.
        launcher: Execution launcher, or ``None`` for API-only mode.
        subscribe_block_ms: Blocking read time of subscriptions.
        max_subscriptions: Live subscriptions per replica.
        max_subscriptions_per_key: Live subscriptions per API key per replica (0: no cap).
        clock: Source of "now".
        keyring: Encrypts secret values at rest; ``None`` refuses secret values.
        claims: Reserves client request ids of ``create``; ``None`` refuses request ids.
        request_id_ttl_s: How long a request id keeps naming its execution.
        values: Where values too large for an execution's record are kept (ADR 0033).
        schedule_settings: The operator's bounds on a document's ``schedule``.
        subflow_max_depth: How deep ``run: workflow`` subflows may nest.
    """
    instances = InstanceService(store, clock)
    workflows = WorkflowService(store, instances, clock, keyring, schedule_settings)
    executions = ExecutionService(
        store,
        workflows,
        instances,
        launcher,
        clock,
        keyring,
        claims=claims,
        request_id_ttl_s=request_id_ttl_s,
        values=values,
        subflow_max_depth=subflow_max_depth,
    )
    return Services(
        workflows,
        instances,
        executions,
        Subscriptions(store, subscribe_block_ms, max_subscriptions, max_subscriptions_per_key),
        ScheduleService(workflows),
    )


@dataclass
class RunningServer:
    """A started server; call :meth:`stop` to drain and close it.

    Attributes:
        server: The grpc.aio server.
        port: The bound port (useful with ``GRPC_PORT=0``).
        services: The service layer (e.g. ``services.executions.update_status``).
        store: The Redis store.
        health: The health servicer.
        router: Delivers accepted events to ``listen`` tasks (ADR 0037).
        ingress: The CloudEvents HTTP endpoint (``None`` without ``STIGMER_EVENTS_HTTP_PORT``);
            its ``port`` is the bound port.
    """

    server: grpc.aio.Server
    port: int
    services: Services
    store: RedisStore
    health: health.aio.HealthServicer
    _monitor: asyncio.Task[None] | None = field(default=None, repr=False)
    router: EventRouter | None = None
    ingress: EventIngress | None = None

    async def stop(self, grace: float | None = None) -> None:
        """Stop accepting calls, end subscriptions, wait up to ``grace`` s for in-flight calls."""
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
        await self.health.enter_graceful_shutdown()
        self.services.subscriptions.close()
        if self.ingress is not None:
            await self.ingress.stop()
        await self.server.stop(grace)
        if self.router is not None:
            await self.router.stop()
        await self.store.close()


async def _monitor_store(store: RedisStore, servicer: health.aio.HealthServicer) -> None:
    serving = True
    while True:
        await asyncio.sleep(_HEALTH_INTERVAL_S)
        try:
            await store.ping()
            ok = True
        except Exception:
            ok = False
        if ok != serving:
            serving = ok
            _log.warning("store reachability changed", extra={"reachable": ok})
            status = (
                health_pb2.HealthCheckResponse.SERVING
                if ok
                else health_pb2.HealthCheckResponse.NOT_SERVING
            )
            for name in ("", *SERVICE_NAMES):
                await servicer.set(name, status)


async def _start_events(
    running: RunningServer,
    config: Config,
    client: Any,
    key_source: ApiKeySource | None,
) -> None:
    """Start the event router (unless Temporal is disabled) and the HTTP endpoint if asked."""
    settings = config.events
    events = EventStore(
        client,
        config.redis_key_prefix,
        retention_seconds=settings.retention_seconds,
        retained_per_type=settings.retained_per_type,
        stream_maxlen=settings.stream_maxlen,
    )
    running.services.executions.publish_events = EventPublisher(events).publish
    if not config.temporal_disabled:
        services = running.services
        starter = EventStarter(events, services.workflows, services.executions)
        services.workflows.event_starts = starter
        router = EventRouter(
            events,
            services.executions.signal,
            consumer=settings.consumer,
            reclaim_idle_seconds=settings.reclaim_idle_seconds,
            start=starter.start,
        )
        running.services.executions.listen_observer = router.observe
        router.start()
        running.router = router
    if settings.http_port is not None:
        ingress = EventIngress(events, key_source)
        await ingress.start(settings.http_host, settings.http_port)
        running.ingress = ingress


async def build_server(
    config: Config,
    *,
    launcher: ExecutionLauncher | None = None,
    clock: Clock = utc_now,
    before_serving: Callable[[Services], Awaitable[None]] | None = None,
) -> RunningServer:
    """Create, start and return the server described by ``config``.

    Args:
        config: Configuration (port 0 binds a free port).
        launcher: Execution launcher; ``None`` keeps executions PENDING (API-only mode).
        clock: Source of "now".
        before_serving: Awaited with the services before the server accepts calls (the
            Temporal worker starts there, so no execution is created before it polls).

    Returns:
        The running server with its services.
    """
    client = connect(config.redis_url, max_connections=config.redis_max_connections)
    store = RedisStore(
        client,
        config.redis_key_prefix,
        stream_maxlen=config.event_stream_maxlen,
        stream_entry_max_bytes=limits.MAX_STREAM_ENTRY_BYTES,
        closed_stream_ttl_s=limits.CLOSED_STREAM_TTL_SECONDS,
    )
    services = build_services(
        store,
        launcher=launcher,
        subscribe_block_ms=config.subscribe_block_ms,
        max_subscriptions=config.max_subscriptions,
        max_subscriptions_per_key=config.max_subscriptions_per_key,
        clock=clock,
        keyring=config.secrets_keyring,
        claims=RedisClaims(client, config.redis_key_prefix),
        request_id_ttl_s=config.request_id_ttl_seconds,
        subflow_max_depth=config.subflow_max_depth,
        values=ExecutionValues(client, config.redis_key_prefix),
        schedule_settings=config.temporal.schedules,
    )
    if config.secrets_keyring is None:
        _log.warning(
            "no STIGMER_SECRETS_KEYS configured: requests carrying secret values are refused"
        )
    options = [
        ("grpc.max_receive_message_length", config.grpc_max_message_bytes),
        ("grpc.max_send_message_length", config.grpc_max_message_bytes),
    ]
    interceptors: list[grpc.aio.ServerInterceptor] = [RpcInterceptor()]
    key_source = ApiKeySource(config.api_keys) if config.api_keys.enabled else None
    if key_source is not None:
        # Inside RpcInterceptor: refusals are logged like any call, and a runner key's
        # resource check sees the decoded request.
        interceptors.append(AccessInterceptor(key_source, RunnerGuard(store)))
    else:
        _log.warning("no STIGMER_API_KEYS configured: the API accepts unauthenticated calls")
    if config.rate_limit.enabled:
        # After the access check: a call without a valid key costs no Redis round trip.
        buckets = TokenBuckets(client, config.redis_key_prefix, config.rate_limit)
        interceptors.append(RateLimitInterceptor(buckets, key_source))
    server = grpc.aio.server(interceptors=interceptors, options=options)
    wf_cmd.add_WorkflowCommandControllerServicer_to_server(
        WorkflowCommandController(services.workflows), server
    )  # type: ignore[no-untyped-call]
    wf_qry.add_WorkflowQueryControllerServicer_to_server(
        WorkflowQueryController(services.workflows), server
    )  # type: ignore[no-untyped-call]
    wf_sch.add_WorkflowScheduleControllerServicer_to_server(
        WorkflowScheduleController(services.schedules), server
    )  # type: ignore[no-untyped-call]
    win_cmd.add_WorkflowInstanceCommandControllerServicer_to_server(
        WorkflowInstanceCommandController(services.instances), server
    )  # type: ignore[no-untyped-call]
    win_qry.add_WorkflowInstanceQueryControllerServicer_to_server(
        WorkflowInstanceQueryController(services.instances), server
    )  # type: ignore[no-untyped-call]
    wex_cmd.add_WorkflowExecutionCommandControllerServicer_to_server(
        WorkflowExecutionCommandController(services.executions), server
    )  # type: ignore[no-untyped-call]
    wex_qry.add_WorkflowExecutionQueryControllerServicer_to_server(
        WorkflowExecutionQueryController(services.executions, services.subscriptions), server
    )  # type: ignore[no-untyped-call]
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server, pool=_WEX.pool
    )
    address = f"{config.grpc_host}:{config.grpc_port}"
    if config.tls is not None:
        port = server.add_secure_port(address, config.tls.server_credentials())
    else:
        port = server.add_insecure_port(address)
    if before_serving is not None:
        await before_serving(services)
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = RunningServer(server, port, services, store, health_servicer)
    await _start_events(running, config, client, key_source)
    running._monitor = asyncio.create_task(_monitor_store(store, health_servicer))
    tls = "off" if config.tls is None else ("mutual" if config.tls.mutual else "on")
    _log.info("serving", extra={"port": port, "api_only": launcher is None, "tls": tls})
    return running
