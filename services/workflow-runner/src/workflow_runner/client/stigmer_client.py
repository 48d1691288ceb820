"""Async gRPC client of stigmer-server over one reused channel."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import grpc
from stigmer_protos import wire
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as workflow_v1
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as workflow_query
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as execution_v1
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import (
    command_pb2_grpc as execution_command,
)
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import (
    query_pb2_grpc as execution_query,
)
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as instance_v1
from stigmer_protos.ai.stigmer.agentic.workflowinstance.v1 import (
    query_pb2_grpc as instance_query,
)
from stigmer_protos.client_auth import bearer_metadata, tls_options
from stigmer_protos.limits import CHANNEL_OPTIONS

from workflow_runner.client.config import ClientConfig
from workflow_runner.client.retry import RetryPolicy, StigmerRpcError, call_with_retry

T = TypeVar("T")

# The generated stubs are untyped; these aliases give mypy a signature to check against.
_StubFactory = Callable[[Any], Any]
_STUBS: dict[str, _StubFactory] = {
    "workflow": workflow_query.WorkflowQueryControllerStub,
    "instance": instance_query.WorkflowInstanceQueryControllerStub,
    "execution": execution_query.WorkflowExecutionQueryControllerStub,
    "execution_command": execution_command.WorkflowExecutionCommandControllerStub,
}


_UPDATE_STATUS = (
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/updateStatus"
)
_GET_WORKFLOW = "/ai.stigmer.agentic.workflow.v1.WorkflowQueryController/get"
_GET_VALUE = "WorkflowExecutionQueryController/getValue"
_REQUEST_ID = wire.field_number(execution_v1.WorkflowExecutionUpdateStatusInput, "execution_id")
_REQUEST_STATUS = wire.field_number(execution_v1.WorkflowExecutionUpdateStatusInput, "status")


class StigmerClient:
    """Calls stigmer-server's workflow, instance and execution services.

    One ``grpc.aio`` channel is created lazily and reused by every call; each attempt
    gets the configured deadline and the bearer token; UNAVAILABLE is retried with
    exponential backoff and jitter (see :class:`RetryPolicy`). Failures raise
    :class:`~workflow_runner.client.retry.StigmerRpcError`.

    Use it as ``async with StigmerClient(ClientConfig.from_env()) as client: ...`` or call
    :meth:`close` when done. It must be used from one event loop.
    """

    def __init__(
        self,
        config: ClientConfig | None = None,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        """Create a client; no connection is made until the first call.

        Args:
            config: Connection settings (default: read from the environment).
            retry: Retry policy (default: from ``config``'s attempts and backoff).
            sleep: Waits between retries (replaceable in tests).
        """
        self.config = config if config is not None else ClientConfig.from_env()
        self.retry = retry or RetryPolicy(
            max_attempts=self.config.max_attempts,
            initial_backoff_seconds=self.config.initial_backoff_seconds,
            max_backoff_seconds=self.config.max_backoff_seconds,
        )
        self._sleep = sleep
        self._channel: Any = None
        self._stubs: dict[str, Any] = {}
        self._metadata = bearer_metadata(self.config.api_key)

    def _stub(self, name: str) -> Any:
        if self._channel is None:
            # Reconnect quickly after a server restart: gRPC's default backoff grows to 120 s,
            # longer than a call's whole retry budget.
            options: list[tuple[str, Any]] = [
                ("grpc.initial_reconnect_backoff_ms", 200),
                ("grpc.max_reconnect_backoff_ms", 2000),
                *CHANNEL_OPTIONS,
            ]
            if self.config.use_tls:
                options.extend(tls_options(self.config.server_name))
                self._channel = grpc.aio.secure_channel(
                    self.config.endpoint, self.config.channel_credentials(), options=options
                )
            else:
                self._channel = grpc.aio.insecure_channel(self.config.endpoint, options=options)
            self._stubs = {key: factory(self._channel) for key, factory in _STUBS.items()}
            # The server answers updateStatus with the whole execution, which no caller needs:
            # left undecoded (bytes), it costs nothing (decoding a few hundred task rows would
            # cost tens of milliseconds).
            self._stubs["update_status"] = self._channel.unary_unary(
                _UPDATE_STATUS, request_serializer=None, response_deserializer=None
            )
            self._stubs["workflow_encoded"] = self._channel.unary_unary(
                _GET_WORKFLOW,
                request_serializer=workflow_v1.WorkflowId.SerializeToString,
                response_deserializer=None,
            )
        return self._stubs[name]

    async def _call(self, method: str, rpc: Callable[..., Awaitable[T]], request: Any) -> T:
        async def attempt() -> T:
            return await rpc(
                request, timeout=self.config.call_timeout_seconds, metadata=self._metadata
            )

        if self._sleep is None:
            return await call_with_retry(method, attempt, self.retry)
        return await call_with_retry(method, attempt, self.retry, sleep=self._sleep)

    async def get_workflow(self, workflow_id: str) -> workflow_v1.Workflow:
        """Fetch a workflow (``WorkflowQueryController/get``).

        Raises:
            StigmerRpcError: The call failed (e.g. ``code`` NOT_FOUND).
        """
        stub = self._stub("workflow")
        return await self._call(
            "WorkflowQueryController/get", stub.get, workflow_v1.WorkflowId(value=workflow_id)
        )

    async def get_workflow_encoded(self, workflow_id: str) -> bytes:
        """Fetch a workflow (``WorkflowQueryController/get``) as the server encoded it.

        Raises:
            StigmerRpcError: The call failed (e.g. ``code`` NOT_FOUND).
        """
        served: bytes = await self._call(
            "WorkflowQueryController/get",
            self._stub("workflow_encoded"),
            workflow_v1.WorkflowId(value=workflow_id),
        )
        return served

    async def get_workflow_instance(self, instance_id: str) -> instance_v1.WorkflowInstance:
        """Fetch a workflow instance (``WorkflowInstanceQueryController/get``).

        Raises:
            StigmerRpcError: The call failed.
        """
        stub = self._stub("instance")
        return await self._call(
            "WorkflowInstanceQueryController/get",
            stub.get,
            instance_v1.WorkflowInstanceId(value=instance_id),
        )

    async def get_execution(self, execution_id: str) -> execution_v1.WorkflowExecution:
        """Fetch a workflow execution (``WorkflowExecutionQueryController/get``).

        Raises:
            StigmerRpcError: The call failed.
        """
        stub = self._stub("execution")
        return await self._call(
            "WorkflowExecutionQueryController/get",
            stub.get,
            execution_v1.WorkflowExecutionId(value=execution_id),
        )

    async def get_secrets(self, execution_id: str, runner_workflow_id: str) -> dict[str, str]:
        """Fetch an execution's secret values (``WorkflowExecutionQueryController/getSecrets``).

        Args:
            execution_id: The execution (``wex-...``).
            runner_workflow_id: The execution's interpreter workflow id.

        Raises:
            StigmerRpcError: The call failed (PERMISSION_DENIED for another workflow id,
                FAILED_PRECONDITION once the execution is terminal).
        """
        stub = self._stub("execution")
        reply: execution_v1.WorkflowExecutionSecrets = await self._call(
            "WorkflowExecutionQueryController/getSecrets",
            stub.getSecrets,
            execution_v1.GetWorkflowExecutionSecretsRequest(
                execution_id=execution_id, runner_workflow_id=runner_workflow_id
            ),
        )
        return dict(reply.values)

    async def get_value(self, execution_id: str, path: str) -> bytes:
        """Fetch a value the execution holds by reference (``getValue``, ADR 0033).

        Raises:
            StigmerRpcError: The call failed, or the parts do not add up to the announced
                size and digest (code DATA_LOSS).
        """
        stub = self._stub("execution")

        async def collect(
            request: execution_v1.GetWorkflowExecutionValueRequest, **options: Any
        ) -> bytes:
            parts: list[bytes] = []
            size, digest = 0, ""
            async for chunk in stub.getValue(request, **options):
                if not parts:
                    size, digest = chunk.size_bytes, chunk.sha256
                parts.append(chunk.data)
            text = b"".join(parts)
            if len(text) != size or hashlib.sha256(text).hexdigest() != digest:
                raise StigmerRpcError(
                    _GET_VALUE, grpc.StatusCode.DATA_LOSS, f"value {path} arrived incomplete", 1
                )
            return text

        return await self._call(
            _GET_VALUE,
            collect,
            execution_v1.GetWorkflowExecutionValueRequest(execution_id=execution_id, path=path),
        )

    async def update_status(
        self, execution_id: str, status: execution_v1.WorkflowExecutionStatus | bytes
    ) -> None:
        """Report an execution's status (``WorkflowExecutionCommandController/updateStatus``).

        The server merges it (task rows upserted by ``task_id``). Its answer, the updated
        execution, is not decoded.

        Args:
            execution_id: The execution (``wex-...``).
            status: The new status, or its encoding (then sent as it is).

        Raises:
            StigmerRpcError: The call failed.
        """
        encoded = status if isinstance(status, bytes) else bytes(status)
        request = wire.length_delimited(_REQUEST_ID, execution_id.encode()) if execution_id else b""
        await self._call(
            "WorkflowExecutionCommandController/updateStatus",
            self._stub("update_status"),
            request + wire.length_delimited(_REQUEST_STATUS, encoded),
        )

    async def create_subflow(
        self, request: execution_v1.WorkflowExecutionCreateSubflowInput
    ) -> execution_v1.WorkflowExecution:
        """Create a running execution's ``run: workflow`` subflow
        (``WorkflowExecutionCommandController/createSubflow``; idempotent per parent task).

        Raises:
            StigmerRpcError: The call failed.
        """
        stub = self._stub("execution_command")
        return await self._call(
            "WorkflowExecutionCommandController/createSubflow", stub.createSubflow, request
        )

    async def close(self) -> None:
        """Close the channel (idempotent)."""
        channel, self._channel, self._stubs = self._channel, None, {}
        if channel is not None:
            await channel.close()

    async def __aenter__(self) -> StigmerClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
