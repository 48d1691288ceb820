"""A small synchronous client of stigmer-server's Workflow and WorkflowExecution services."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import grpc
import grpc.experimental
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_qry
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import schedule_pb2_grpc as wf_sch
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.client_auth import bearer_metadata, tls_credentials, tls_options
from stigmer_protos.google.protobuf import Struct, Value
from stigmer_protos.limits import CHANNEL_OPTIONS

from stigmer_cli.connection import Connection
from stigmer_cli.errors import CliError, UsageError

LOCAL_ORG = "local"
_CALL_TIMEOUT_S = 30.0
_QUERY_TIMEOUT_S = 10.0
_UPLOAD_PART_BYTES = 1024 * 1024  # parts well below the 4 MiB message limit


def _stub(factory: Any, channel: grpc.Channel) -> Any:
    # The generated stubs are untyped; every call through them is checked at its call site.
    return factory(channel)


def metadata(resource: Any) -> ar.ApiResourceMetadata:
    """The resource's metadata, empty when the server sent none."""
    md: ar.ApiResourceMetadata | None = resource.metadata
    return md if md is not None else ar.ApiResourceMetadata()


# Every call's events are handled on the thread that makes or reads it, never on a gRPC-owned
# "channel spin" thread: with that thread, a call's lock can be held by a daemon thread that the
# interpreter freezes at exit, and the call's ``__del__`` then deadlocks the final garbage
# collection (docs/adr/0014-cli-grpc-lifecycle.md). Unary calls are single-threaded anyway.
_CHANNEL_OPTIONS = (
    *CHANNEL_OPTIONS,
    (grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1),
)


def _open_channel(connection: Connection) -> grpc.Channel:
    if not connection.tls:
        return grpc.insecure_channel(connection.target, options=_CHANNEL_OPTIONS)
    try:
        credentials = tls_credentials(connection.ca_file, connection.cert_file, connection.key_file)
    except OSError as err:
        raise UsageError(f"cannot read {err.filename}: {err.strerror}") from None
    options = (*_CHANNEL_OPTIONS, *tls_options(connection.server_name))
    return grpc.secure_channel(connection.target, credentials, options=options)


class StigmerClient:
    """Calls over one channel, each with the connection's key; errors surface as ``grpc.RpcError``.

    Every call has a deadline except ``subscribe`` without a timeout. Close the client (or
    leave its ``with`` block) only after every ``subscribe`` stream has been cancelled and
    its reader has stopped.
    """

    def __init__(self, connection: Connection) -> None:
        """Open a channel (TLS when the connection says so); no call is made yet.

        Raises:
            UsageError: A TLS file cannot be read.
        """
        self.endpoint = connection.target
        self._md = bearer_metadata(connection.api_key)
        self._channel = _open_channel(connection)
        self._wf_cmd = _stub(wf_cmd.WorkflowCommandControllerStub, self._channel)
        self._wf_qry = _stub(wf_qry.WorkflowQueryControllerStub, self._channel)
        self._wf_sch = _stub(wf_sch.WorkflowScheduleControllerStub, self._channel)
        self._wex_cmd = _stub(wex_cmd.WorkflowExecutionCommandControllerStub, self._channel)
        self._wex_qry = _stub(wex_qry.WorkflowExecutionQueryControllerStub, self._channel)

    def __enter__(self) -> StigmerClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def apply_workflow(self, workflow: wf.Workflow) -> wf.Workflow:
        """Create or update a workflow by its slug (``WorkflowCommandController/apply``)."""
        result: wf.Workflow = self._wf_cmd.apply(
            workflow, timeout=_CALL_TIMEOUT_S, metadata=self._md
        )
        return result

    def get_workflow(self, workflow_id: str) -> wf.Workflow:
        """Fetch a workflow by id."""
        result: wf.Workflow = self._wf_qry.get(
            wf.WorkflowId(value=workflow_id), timeout=_QUERY_TIMEOUT_S, metadata=self._md
        )
        return result

    def workflow_by_name(self, name: str) -> wf.Workflow:
        """Fetch a workflow of the local org by name (slug)."""
        ref = ar.ApiResourceReference(
            scope=ar.ApiResourceOwnerScope.organization,
            org=LOCAL_ORG,
            slug=name,
        )
        result: wf.Workflow = self._wf_qry.getByReference(
            ref, timeout=_QUERY_TIMEOUT_S, metadata=self._md
        )
        return result

    def create_execution(
        self, spec: wex.WorkflowExecutionSpec, workflow_name: str
    ) -> wex.WorkflowExecution:
        """Create (and thereby start) an execution named ``<workflow>-<utc time>-<random>``.

        Execution names are slugs unique in the org, hence the time and random suffix.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        execution = wex.WorkflowExecution(
            metadata=ar.ApiResourceMetadata(
                name=f"{workflow_name}-{stamp}-{secrets.token_hex(3)}",
                org=LOCAL_ORG,
                owner_scope=ar.ApiResourceOwnerScope.organization,
            ),
            spec=spec,
        )
        result: wex.WorkflowExecution = self._wex_cmd.create(
            execution, timeout=_CALL_TIMEOUT_S, metadata=self._md
        )
        return result

    def upload_input(self, text: bytes) -> str:
        """Send an input too large for ``create`` in parts (``uploadInput``, ADR 0033).

        Returns:
            The upload id a create names in ``spec.input_upload_id``.
        """
        parts = (
            wex.WorkflowExecutionValueChunk(data=text[start : start + _UPLOAD_PART_BYTES])
            for start in range(0, len(text), _UPLOAD_PART_BYTES)
        )
        result: wex.WorkflowExecutionInputUpload = self._wex_cmd.uploadInput(
            parts, timeout=_CALL_TIMEOUT_S, metadata=self._md
        )
        return result.upload_id

    def get_execution(self, execution_id: str) -> wex.WorkflowExecution:
        """Fetch an execution by id."""
        result: wex.WorkflowExecution = self._wex_qry.get(
            wex.WorkflowExecutionId(value=execution_id), timeout=_QUERY_TIMEOUT_S, metadata=self._md
        )
        return result

    def get_value(self, execution_id: str, path: str) -> bytes:
        """The JSON text of a value the execution holds by reference (``getValue``, ADR 0033).

        Raises:
            CliError: The parts do not add up to the announced size and digest.
        """
        parts: list[bytes] = []
        size, digest = 0, ""
        chunk: wex.WorkflowExecutionValueChunk
        for chunk in self._wex_qry.getValue(
            wex.GetWorkflowExecutionValueRequest(execution_id=execution_id, path=path),
            timeout=_CALL_TIMEOUT_S,
            metadata=self._md,
        ):
            if not parts:
                size, digest = chunk.size_bytes, chunk.sha256
            parts.append(chunk.data)
        text = b"".join(parts)
        if len(text) != size or hashlib.sha256(text).hexdigest() != digest:
            raise CliError(f"value {path} of {execution_id} arrived incomplete")
        return text

    def list_executions(
        self,
        *,
        phase: wex.ExecutionPhase | None,
        workflow_id: str | None,
        limit: int,
        revision: str = "",
    ) -> list[wex.WorkflowExecution]:
        """List executions, newest pages first as the server orders them, up to ``limit``."""
        found: list[wex.WorkflowExecution] = []
        token = ""
        # One size for every page: a page token only resumes the query it came from, and the
        # server may end a page early (a byte budget), so later pages are not "the rest".
        size = min(100, limit)
        while len(found) < limit:
            page: wex.WorkflowExecutionList
            if workflow_id:
                page = self._wex_qry.listByWorkflow(
                    wex.ListWorkflowExecutionsByWorkflowRequest(
                        workflow_id=workflow_id,
                        page_size=size,
                        page_token=token,
                        phase=phase or wex.ExecutionPhase(0),
                    ),
                    timeout=_QUERY_TIMEOUT_S,
                    metadata=self._md,
                )
            else:
                page = self._wex_qry.list(
                    wex.ListWorkflowExecutionsRequest(
                        page_size=size,
                        page_token=token,
                        phase=phase or wex.ExecutionPhase(0),
                        workflow_revision=revision,
                    ),
                    timeout=_QUERY_TIMEOUT_S,
                    metadata=self._md,
                )
            found.extend(page.entries)
            token = page.next_page_token
            if not token or not page.entries:
                break
        return found[:limit]

    def subscribe(self, execution_id: str, timeout: float | None) -> Any:
        """Open the ``subscribe`` stream: an iterator of executions that can be cancelled.

        The stream is single-threaded: only one thread may iterate it, and its events are
        handled on that thread. ``cancel()`` may be called from any thread.

        Args:
            execution_id: The execution to follow.
            timeout: Deadline of the whole stream in seconds; ``None`` follows until the
                execution ends, however long that takes.
        """
        return self._wex_qry.subscribe(
            wex.SubscribeWorkflowExecutionRequest(execution_id=execution_id),
            timeout=timeout,
            metadata=self._md,
        )

    def signal(
        self, execution_id: str, event: dict[str, Any], timeout: float = 10.0
    ) -> wex.WorkflowExecution:
        """Deliver a CloudEvent to an execution (additive ``signal`` RPC)."""
        result: wex.WorkflowExecution = self._wex_cmd.signal(
            wex.WorkflowExecutionSignalInput(
                execution_id=execution_id, event=Struct.from_dict(event)
            ),
            timeout=timeout,
            metadata=self._md,
        )
        return result

    def rerun(
        self,
        execution_id: str,
        from_task: str,
        patched: dict[str, Any] | None = None,
        timeout: float = 20.0,
    ) -> wex.WorkflowExecution:
        """Re-run an ended execution from a top-level task (additive ``rerun`` RPC)."""
        result: wex.WorkflowExecution = self._wex_cmd.rerun(
            wex.WorkflowExecutionRerunInput(
                execution_id=execution_id,
                from_task=from_task,
                input=None if patched is None else Value.from_dict(patched),
            ),
            timeout=timeout,
            metadata=self._md,
        )
        return result

    def publish(
        self, events: list[dict[str, Any]], timeout: float = 10.0
    ) -> tuple[list[str], list[str]]:
        """Publish CloudEvents (additive ``publish`` RPC); (accepted ids, duplicate ids)."""
        result: wex.WorkflowExecutionPublishResult = self._wex_cmd.publish(
            wex.WorkflowExecutionPublishInput(events=[Struct.from_dict(e) for e in events]),
            timeout=timeout,
            metadata=self._md,
        )
        return list(result.accepted), list(result.duplicates)

    def cancel(
        self, execution_id: str, reason: str, timeout: float = 10.0
    ) -> wex.WorkflowExecution:
        """Ask the server to cancel an execution (additive ``cancel`` RPC)."""
        result: wex.WorkflowExecution = self._wex_cmd.cancel(
            wex.WorkflowExecutionCancelInput(execution_id=execution_id, reason=reason),
            timeout=timeout,
            metadata=self._md,
        )
        return result

    def terminate(
        self, execution_id: str, reason: str, timeout: float = 10.0
    ) -> wex.WorkflowExecution:
        """End an execution at once, without cleanup (additive ``terminate`` RPC)."""
        result: wex.WorkflowExecution = self._wex_cmd.terminate(
            wex.WorkflowExecutionCancelInput(execution_id=execution_id, reason=reason),
            timeout=timeout,
            metadata=self._md,
        )
        return result

    def set_paused(
        self, execution_id: str, paused: bool, reason: str, timeout: float = 10.0
    ) -> wex.WorkflowExecution:
        """Pause or resume an execution (additive ``pause`` / ``resume`` RPCs)."""
        call = self._wex_cmd.pause if paused else self._wex_cmd.resume
        result: wex.WorkflowExecution = call(
            wex.WorkflowExecutionPauseInput(execution_id=execution_id, reason=reason),
            timeout=timeout,
            metadata=self._md,
        )
        return result

    def list_schedules(self, workflow_id: str = "") -> list[wf.WorkflowSchedule]:
        """The schedule of one workflow, or every schedule (additive ``schedule list``)."""
        result: wf.WorkflowScheduleList = self._wf_sch.list(
            wf.ListWorkflowSchedulesRequest(workflow_id=workflow_id),
            timeout=_QUERY_TIMEOUT_S,
            metadata=self._md,
        )
        return list(result.entries)

    def schedule_action(self, action: str, workflow_id: str, note: str = "") -> wf.WorkflowSchedule:
        """``pause``, ``resume`` or ``trigger`` the workflow's schedule; returns it."""
        call = {"pause": self._wf_sch.pause, "resume": self._wf_sch.resume}.get(
            action, self._wf_sch.trigger
        )
        result: wf.WorkflowSchedule = call(
            wf.WorkflowScheduleRequest(workflow_id=workflow_id, note=note),
            timeout=_CALL_TIMEOUT_S,
            metadata=self._md,
        )
        return result

    def backfill_schedule(self, workflow_id: str, start: str, end: str) -> wf.WorkflowSchedule:
        """Start the runs the workflow's schedule had due in ``[start, end)``."""
        result: wf.WorkflowSchedule = self._wf_sch.backfill(
            wf.BackfillWorkflowScheduleRequest(
                workflow_id=workflow_id, start_time=start, end_time=end
            ),
            timeout=_CALL_TIMEOUT_S,
            metadata=self._md,
        )
        return result
