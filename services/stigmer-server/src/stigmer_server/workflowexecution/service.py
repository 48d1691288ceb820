"""WorkflowExecution use cases, shared by the gRPC controllers and the Temporal activities."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.json_values import from_fields, whole_numbers
from stigmer_protos.limits import MAX_PAGE_BYTES, UPLOAD_TTL_SECONDS
from stigmer_protos.temporal_names import interpreter_workflow_id

from stigmer_server.domain import audit
from stigmer_server.domain.clock import Clock, utc_now
from stigmer_server.domain.ids import new_id
from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.domain.validation import check_enum, check_envelope, require
from stigmer_server.errors import (
    AlreadyExistsError,
    DomainError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
)
from stigmer_server.secrets.keyring import Keyring
from stigmer_server.secrets.redaction import redact_execution
from stigmer_server.secrets.sealing import SecretSealer
from stigmer_server.store import keys
from stigmer_server.store.base import ResourceStore
from stigmer_server.store.claims import Claims
from stigmer_server.store.pagination import list_page, page_size_of
from stigmer_server.store.repository import Repository, Written
from stigmer_server.workflow.service import WorkflowService
from stigmer_server.workflowexecution.input_uploads import is_upload_id, received_text
from stigmer_server.workflowexecution.launcher import (
    ExecutionLauncher,
    LauncherNotRunningError,
    LauncherUnavailableError,
)
from stigmer_server.workflowexecution.recent import RecentWrites
from stigmer_server.workflowexecution.record_bounds import bound_status, status_budget
from stigmer_server.workflowexecution.request_ids import (
    REQUEST_ID_METADATA,
    CreateRequestId,
    check_request_id,
    fingerprint,
)
from stigmer_server.workflowexecution.row_encoding import EncodedRows, encode_execution
from stigmer_server.workflowexecution.status_merge import is_terminal, merge_status
from stigmer_server.workflowexecution.subflow import (
    DOCUMENT_METADATA,
    PARENT_METADATA,
    check_depth,
    check_request,
    refuse_client_link,
    subflow_slug,
)
from stigmer_server.workflowexecution.validation import check_spec, check_status
from stigmer_server.workflowexecution.values import (
    INPUT_PATH,
    OUTPUT_PATH,
    WORKFLOW_PATH,
    ExecutionValues,
    marker,
    references,
)
from stigmer_server.workflowinstance.service import InstanceService

_log = logging.getLogger(__name__)

START_FAILED = "failed to start workflow execution"


def _indexes(execution: wex.WorkflowExecution) -> frozenset[str]:
    spec = execution.spec or wex.WorkflowExecutionSpec()
    phase = int((execution.status or wex.WorkflowExecutionStatus()).phase)
    revision = spec.workflow_reference.sha256 if spec.workflow_reference else ""
    return frozenset(
        {
            keys.INDEX_ALL,
            keys.index_by_phase(phase),
            keys.index_by_workflow(spec.workflow_id),
            keys.index_by_workflow_phase(spec.workflow_id, phase),
            *([keys.index_by_revision(revision)] if revision else []),
        }
    )


class _Unchanged(Exception):
    """Aborts a status write that would change nothing (``execution`` is the stored state)."""

    def __init__(self, execution: wex.WorkflowExecution) -> None:
        super().__init__("unchanged")
        self.execution = execution


PublishEvents = Callable[[list[Any]], Awaitable[tuple[list[str], list[str]]]]
"""Stores published CloudEvents; returns (accepted ids, duplicate ids) (the event ingress)."""

ListenObserver = Callable[[str, list[tuple[str, bool, Any]], bool], Awaitable[None]]
"""Called with an execution id, its ``listen`` rows (task id, in progress, ``listen``
metadata) and whether it ended."""


def _terminal(execution: wex.WorkflowExecution) -> bool:
    return is_terminal((execution.status or wex.WorkflowExecutionStatus()).phase)


class ExecutionService:
    """WorkflowExecution operations: validation, merge, audit, atomic persistence, publishing."""

    def __init__(
        self,
        store: ResourceStore,
        workflows: WorkflowService,
        instances: InstanceService,
        launcher: ExecutionLauncher | None = None,
        clock: Clock = utc_now,
        keyring: Keyring | None = None,
        claims: Claims | None = None,
        request_id_ttl_s: int = 86_400,
        values: ExecutionValues | None = None,
        subflow_max_depth: int = 8,
    ) -> None:
        """Create the service.

        Args:
            store: Resource store.
            workflows: Resolves workflows and their default instances.
            instances: Resolves explicit instances.
            launcher: Starts/cancels executions; ``None`` in API-only mode.
            clock: Source of "now".
            keyring: Encrypts secret ``runtime_env`` values at rest; ``None`` refuses them.
            claims: Where client request ids are reserved; ``None`` refuses request ids.
            request_id_ttl_s: How long a request id keeps naming its execution.
            values: Where values too large for the record are kept (ADR 0033); ``None``: a
                too-large output becomes a marker without a reference.
            subflow_max_depth: How deep ``run: workflow`` subflows may nest (ADR 0036).
        """
        # Event-stream entries carry no secret material at all, not even sealed values.
        self.repo = Repository(
            store,
            WORKFLOW_EXECUTION,
            wex.WorkflowExecution,
            _indexes,
            published=redact_execution,
            closed=_terminal,
        )
        self._sealer = SecretSealer(keyring, WORKFLOW_EXECUTION.name, "spec.runtime_env")
        self.publish_events: PublishEvents | None = None
        """The event ingress's store (``publish``); installed with it (ADR 0037)."""
        self.listen_observer: ListenObserver | None = None
        """Told about ``listen`` rows and ended executions after each status write (the event
        router, ADR 0037)."""
        self._workflows = workflows
        self._instances = instances
        self.launcher = launcher
        self._clock = clock
        self.claims = claims
        self.request_id_ttl_s = request_id_ttl_s
        self._recent = RecentWrites()
        self.values = values
        self.subflow_max_depth = subflow_max_depth

    async def create(
        self,
        execution: wex.WorkflowExecution,
        request_id: CreateRequestId | None = None,
        *,
        pinned: bytes | None = None,
    ) -> wex.WorkflowExecution:
        """Validate, resolve the instance, persist PENDING, then start it through the launcher.

        With a client request id, the first create under (caller, org, id) reserves the
        execution id for :attr:`request_id_ttl_s`; a retry returns that execution (starting it
        if the first attempt died before it could), and the id sent with another request body
        is refused.

        Raises:
            InvalidArgumentError, NotFoundError, AlreadyExistsError: Bad request;
                AlreadyExistsError also for a request id reused with another request body.
            UnavailableError: The orchestrator is unreachable (execution marked FAILED).
            InternalError: The start failed otherwise (execution marked FAILED).

        ``pinned`` (from :meth:`rerun` only) is the Workflow revision to run, and allows the
        spec's ``rerun_*`` fields, which a client's create may not set.
        """
        new = copy.deepcopy(execution)
        md = check_envelope(new, WORKFLOW_EXECUTION.name)
        spec = check_spec(new.spec)
        refuse_client_link(spec)
        if pinned is None and (spec.rerun_of or spec.rerun_from_task):
            raise InvalidArgumentError("spec.rerun_of", "is set by the server only (use rerun)")
        upload_id = self._input_upload_id(spec)
        if spec.workflow_instance_id:
            instance = await self._instances.repo.require(spec.workflow_instance_id)
            owner = instance.spec.workflow_id if instance.spec else ""
            if spec.workflow_id and spec.workflow_id != owner:
                raise InvalidArgumentError(
                    "spec.workflow_id",
                    f"does not match workflow instance {spec.workflow_instance_id} ({owner})",
                )
            spec.workflow_id = owner
        else:
            workflow = await self._workflows.repo.require(spec.workflow_id)
            spec.workflow_instance_id = await self._workflows.ensure_default_instance(workflow)
        md.id = new_id(WORKFLOW_EXECUTION.id_prefix)
        if request_id is not None and request_id.value:
            md.id, earlier = await self._claim(execution, md.org, request_id, md.id)
            if earlier is not None:
                self._check_ready()  # an unreachable orchestrator leaves the earlier one as is
                return await self.launch(earlier)
        uploaded = await self._uploaded_input(upload_id) if upload_id else None
        self._sealer.seal(md.id, spec.runtime_env)
        new.status = wex.WorkflowExecutionStatus(
            phase=wex.ExecutionPhase.EXECUTION_PENDING,
            # Derived from the id, so it is stored with the record: no second write after the
            # start (ADR 0042).
            temporal_workflow_id=self.launcher.workflow_id(md.id) if self.launcher else "",
            audit=audit.created_audit(self._clock()),
        )
        self._check_ready()  # an unreachable orchestrator: nothing stored
        if uploaded is not None:
            assert self.values is not None
            spec.input_reference = await self.values.put(md.id, INPUT_PATH, uploaded)
            spec.input = wkt.Struct.from_dict(marker(spec.input_reference))
        if self.values is not None:
            # The revision this execution runs, whatever happens to the Workflow later.
            revision = (
                pinned
                if pinned is not None
                else await self._workflows.get_published(spec.workflow_id)
            )
            spec.workflow_reference = await self.values.put(md.id, WORKFLOW_PATH, revision)
        try:
            await self.repo.create(new)
        except AlreadyExistsError:
            # A concurrent retry of the same request stored it first: answer with that one.
            raced = None if request_id is None else await self.repo.get(md.id)
            if raced is None:
                raise
            return await self.launch(raced)
        if uploaded is not None:
            assert self.values is not None
            await self.values.drop_upload(upload_id)
        return await self.launch(new)

    async def rerun(self, request: wex.WorkflowExecutionRerunInput) -> wex.WorkflowExecution:
        """Re-run an ended execution from one of its top-level tasks (a new execution).

        The new execution runs the original's pinned revision, starts at ``from_task`` with the
        raw input and ``$context`` recorded when that task started (or ``request.input``), and
        links to the original both ways. The original's ``runtime_env`` is not carried (its
        secret values are sealed to the original's id).

        Raises:
            InvalidArgumentError: A missing field, or ``from_task`` is not a top-level task.
            NotFoundError: No such execution, or it has no row for ``from_task``.
            FailedPreconditionError: It has not ended, its revision is not kept, or the task's
                input or context was too large to record.
        """
        require(request.execution_id, "execution_id")
        pointer = require(request.from_task, "from_task")
        if not re.fullmatch(r"/do/\d+/[^/]+", pointer):
            raise InvalidArgumentError("from_task", "must be a top-level task, /do/<i>/<name>")
        original = await self.repo.require(request.execution_id)
        if not _terminal(original):
            raise FailedPreconditionError("the execution has not ended; re-run it once it has")
        spec = original.spec or wex.WorkflowExecutionSpec()
        if self.values is None or spec.workflow_reference is None:
            raise FailedPreconditionError("the execution has no pinned Workflow revision to re-run")
        status = original.status or wex.WorkflowExecutionStatus()
        row = next((t for t in status.tasks if t.task_id == pointer), None)
        if row is None or not row.started_at:
            raise NotFoundError(f"execution {request.execution_id} never started task {pointer}")
        metadata = row.metadata.to_dict() if row.metadata is not None else {}
        context = metadata.get("context")
        if not isinstance(context, dict) or context.get("_truncated"):
            raise FailedPreconditionError(
                f"task {pointer}: its $context was not recorded (too large, or an older run)"
            )
        if request.input is not None:
            data = request.input.to_dict()
        else:
            data = whole_numbers(from_fields(row.input, row.input_value))
            if isinstance(data, dict) and data.get("_truncated"):
                raise FailedPreconditionError(
                    f"task {pointer}: its recorded input was too large; pass a patched input"
                )
        md = original.metadata or ar.ApiResourceMetadata()
        pinned = await self.values.read(md.id, spec.workflow_reference)
        new = wex.WorkflowExecution(
            api_version=original.api_version,
            kind=original.kind,
            metadata=ar.ApiResourceMetadata(
                name=f"{md.name[:200]}-rerun", org=md.org, owner_scope=md.owner_scope
            ),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=spec.workflow_id,
                workflow_instance_id=spec.workflow_instance_id,
                input=spec.input,
                input_value=spec.input_value,
                trigger_message=spec.trigger_message,
                trigger_metadata=spec.trigger_metadata,
                rerun_of=md.id,
                rerun_from_task=pointer,
                rerun_input=wkt.Value.from_dict(data),
                rerun_context=wkt.Value.from_dict(context),
            ),
        )
        created = await self.create(new, pinned=pinned)
        new_id_ = created.metadata.id if created.metadata else ""

        def link(current: wex.WorkflowExecution) -> wex.WorkflowExecution:
            current.status = current.status or wex.WorkflowExecutionStatus()
            current.status.rerun_execution_ids = [*current.status.rerun_execution_ids, new_id_]
            return current

        await self.repo.update(md.id, link)
        return created

    async def create_subflow(
        self, request: wex.WorkflowExecutionCreateSubflowInput
    ) -> wex.WorkflowExecution:
        """Create the PENDING execution of a ``run: workflow`` subflow of a running parent.

        The subflow is the newest Workflow of the parent's org whose document has the
        requested namespace/name/version. It is not launched here: the parent's interpreter
        starts it as a Temporal child workflow, whose id is recorded now (so neither
        :meth:`launch` nor the reconciler starts it). A retry for the same parent task row
        (same ``call_id``) returns the execution the first one created.

        Raises:
            InvalidArgumentError: A missing field.
            NotFoundError: No such parent, or no Workflow of its org has that document.
            FailedPreconditionError: The parent is not running, or the depth limit is reached.
        """
        label = check_request(request)
        parent = await self.repo.require(request.parent_execution_id)
        parent_md = parent.metadata or ar.ApiResourceMetadata()
        if _terminal(parent):
            raise FailedPreconditionError(
                f"parent execution {parent_md.id} has ended; it starts no subflow"
            )
        slug = subflow_slug(parent_md.id, request.call_id)
        earlier = await self.repo.find_by_slug(parent_md.org, slug)
        if earlier is not None:
            return earlier
        await check_depth(parent, label, self.subflow_max_depth, self.repo.get)
        workflow = await self._workflows.find_by_document(
            parent_md.org, request.namespace, request.name, request.version
        )
        if workflow is None or workflow.metadata is None:
            raise NotFoundError(
                f"no Workflow in org {parent_md.org!r} has document {label}"
                " (apply it first; run: workflow resolves namespace/name/version there)"
            )
        child_id = new_id(WORKFLOW_EXECUTION.id_prefix)
        child = wex.WorkflowExecution(
            api_version=parent.api_version,
            kind=parent.kind,
            metadata=ar.ApiResourceMetadata(
                id=child_id,
                name=slug,
                slug=slug,
                org=parent_md.org,
                owner_scope=parent_md.owner_scope,
            ),
            spec=wex.WorkflowExecutionSpec(
                workflow_id=workflow.metadata.id,
                workflow_instance_id=await self._workflows.ensure_default_instance(workflow),
                input=request.input,
                trigger_metadata={DOCUMENT_METADATA: label, PARENT_METADATA: parent_md.id},
                parent_execution_id=parent_md.id,
                parent_task_id=request.parent_task_id,
            ),
            status=wex.WorkflowExecutionStatus(
                phase=wex.ExecutionPhase.EXECUTION_PENDING,
                temporal_workflow_id=interpreter_workflow_id(child_id),
                audit=audit.created_audit(self._clock()),
            ),
        )
        try:
            await self.repo.create(child)
        except AlreadyExistsError:
            raced = await self.repo.find_by_slug(parent_md.org, slug)
            if raced is None:
                raise
            return raced
        return child

    def _input_upload_id(self, spec: wex.WorkflowExecutionSpec) -> str:
        """The upload ``spec`` names (cleared from it: the record does not keep it), or "".

        Raises:
            InvalidArgumentError: The spec carries ``input_reference`` (only the server sets
                it), or names an upload together with ``input`` or one that cannot exist.
            FailedPreconditionError: The server keeps no values (no Redis store).
        """
        if spec.input_reference is not None:
            raise InvalidArgumentError("spec.input_reference", "is set by the server only")
        if spec.workflow_reference is not None:
            raise InvalidArgumentError("spec.workflow_reference", "is set by the server only")
        upload_id, spec.input_upload_id = spec.input_upload_id, ""
        if not upload_id:
            return ""
        if spec.input is not None:
            raise InvalidArgumentError("spec.input_upload_id", "cannot be used with spec.input")
        if self.values is None:
            raise FailedPreconditionError("uploaded inputs need the Redis store")
        if not is_upload_id(upload_id):
            raise InvalidArgumentError("spec.input_upload_id", "is not an upload id")
        return upload_id

    async def _uploaded_input(self, upload_id: str) -> bytes:
        """The JSON text of the upload ``upload_id``.

        Raises:
            InvalidArgumentError: Unknown, expired or taken by another create.
        """
        assert self.values is not None
        text = await self.values.read_upload(upload_id)
        if text is None:
            raise InvalidArgumentError(
                "spec.input_upload_id",
                "no such upload (an upload serves one create, within "
                f"{UPLOAD_TTL_SECONDS} seconds)",
            )
        return text

    async def upload_input(
        self, parts: AsyncIterator[wex.WorkflowExecutionValueChunk]
    ) -> wex.WorkflowExecutionInputUpload:
        """Keep an input sent in parts for a later create (``uploadInput``, ADR 0033).

        Raises:
            FailedPreconditionError: The server keeps no values (no Redis store).
            ResourceExhaustedError, InvalidArgumentError: See
                :func:`~stigmer_server.workflowexecution.input_uploads.received_text`.
        """
        if self.values is None:
            raise FailedPreconditionError("uploaded inputs need the Redis store")
        text = await received_text(parts)
        return await self.values.put_upload(text, UPLOAD_TTL_SECONDS)

    def _check_ready(self) -> None:
        if self.launcher is not None:
            try:
                self.launcher.check_ready()
            except LauncherUnavailableError as exc:
                raise UnavailableError(f"{START_FAILED}: {exc}") from exc

    async def _claim(
        self, request: wex.WorkflowExecution, org: str, request_id: CreateRequestId, fresh_id: str
    ) -> tuple[str, wex.WorkflowExecution | None]:
        """Reserve ``fresh_id`` for the request id, or find what an earlier attempt reserved.

        Returns:
            The execution id to create under, and the stored execution when an earlier
            attempt already stored it.
        """
        if self.claims is None:
            raise FailedPreconditionError(f"{REQUEST_ID_METADATA} needs the Redis store's claims")
        check_request_id(request_id.value)
        digest = fingerprint(request)
        earlier = await self.claims.claim(
            WORKFLOW_EXECUTION,
            ("create", request_id.caller, org, request_id.value),
            f"{fresh_id} {digest}",
            self.request_id_ttl_s,
        )
        if earlier is None:
            return fresh_id, None
        earlier_id, _, earlier_digest = earlier.partition(" ")
        if earlier_digest != digest:
            raise AlreadyExistsError(
                f"{REQUEST_ID_METADATA} {request_id.value!r} was already used for another"
                " create request; send a new request id for a new execution"
            )
        # The earlier attempt may have died before storing: finish its work under its id.
        return earlier_id, await self.repo.get(earlier_id)

    async def launch(self, execution: wex.WorkflowExecution) -> wex.WorkflowExecution:
        """Start a stored PENDING execution (not a subflow); else return it.

        Starting is idempotent per execution id (a second start attaches to the first one's
        workflow, or finds it finished), so a retried create and the reconciler may both call
        this for one execution. A subflow is started by its parent's workflow (ADR 0036).

        Raises:
            UnavailableError: The orchestrator is unreachable (execution marked FAILED).
            InternalError: The start failed otherwise (execution marked FAILED).
        """
        status = execution.status or wex.WorkflowExecutionStatus()
        spec = execution.spec or wex.WorkflowExecutionSpec()
        if (
            self.launcher is None
            or status.phase != wex.ExecutionPhase.EXECUTION_PENDING
            or spec.parent_execution_id
        ):
            return execution
        execution_id = execution.metadata.id if execution.metadata else ""
        try:
            temporal_id = await self.launcher.start(execution)
        except LauncherUnavailableError as exc:
            await self._mark_start_failed(execution_id, exc)
            raise UnavailableError(f"{START_FAILED}: {exc}") from exc
        except Exception as exc:
            await self._mark_start_failed(execution_id, exc)
            raise InternalError(f"{START_FAILED}: {exc}") from exc
        if status.temporal_workflow_id == temporal_id:
            return execution
        # Stored by a server that recorded the workflow id only after starting it.
        return await self.update_status(
            execution_id, wex.WorkflowExecutionStatus(temporal_workflow_id=temporal_id)
        )

    async def _mark_start_failed(self, execution_id: str, exc: BaseException) -> None:
        try:
            await self.update_status(
                execution_id,
                wex.WorkflowExecutionStatus(
                    phase=wex.ExecutionPhase.EXECUTION_FAILED, error=f"{START_FAILED}: {exc}"
                ),
            )
        except FailedPreconditionError:
            # Already terminal (e.g. the orchestrator got far enough to finish it): keep that.
            _log.warning(
                "start failed for an already-terminal execution",
                extra={"execution_id": execution_id},
            )

    async def update_status(
        self,
        execution_id: str,
        status: wex.WorkflowExecutionStatus | None,
        *,
        live_only: bool = False,
    ) -> wex.WorkflowExecution:
        """Merge a status update into the execution atomically and publish the result.

        The same path serves the ``updateStatus`` RPC and the Temporal local activity. The
        read-merge-write is retried on concurrent writes (optimistic concurrency), so no
        concurrent update is lost; the new state is appended to the execution's event stream
        in the same transaction.

        Args:
            execution_id: Execution id.
            status: Partial status (see :func:`merge_status`).
            live_only: Change the execution only while it is PENDING or IN_PROGRESS (the
                ``updateStatus`` RPC, which runners report progress through): once it is
                terminal, repeating its phase is an idempotent no-op and any other update is
                refused. The orchestration's own writes (final status, start failure,
                ``temporal_workflow_id``) merge by :func:`merge_status` alone.

        Returns:
            The execution after the merge.

        Raises:
            InvalidArgumentError: Missing id/status, unknown enum values, task without id.
            NotFoundError: No such execution.
            FailedPreconditionError: Illegal phase transition; with ``live_only``, any change
                to a terminal execution.
        """
        return (await self._write_status(execution_id, status, live_only=live_only)).message

    async def update_status_published(
        self,
        execution_id: str,
        status: wex.WorkflowExecutionStatus | None,
        *,
        live_only: bool = False,
    ) -> bytes:
        """:meth:`update_status`, answering the execution encoded as its readers see it
        (secrets redacted): the bytes just written, not encoded a second time."""
        return (await self._write_status(execution_id, status, live_only=live_only)).published

    async def _write_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus | None, *, live_only: bool
    ) -> Written[wex.WorkflowExecution]:
        require(execution_id, "execution_id")
        update = check_status(status)
        if live_only and update.output_reference is not None:
            # A reference is minted by the server when it stores the value, never taken
            # from a caller (ADR 0033).
            raise InvalidArgumentError("status.output_reference", "is set by the server only")
        now = self._clock()

        # The encodings of the attempt being written: the stored rows keep their stored bytes,
        # so only the rows this update changes or adds are encoded (to size them for the
        # bounds, then to store them); the status's other fields are encoded once, by the
        # bounds; the spec and metadata, which a status write never changes, are the stored
        # bytes.
        rows = EncodedRows()
        stored_data = b""
        changed: wex.WorkflowExecution | None = None

        def change(current: wex.WorkflowExecution, data: bytes) -> wex.WorkflowExecution:
            nonlocal rows, stored_data, changed
            old = current.status or wex.WorkflowExecutionStatus()
            if live_only and is_terminal(old.phase):
                if update.phase == old.phase:
                    raise _Unchanged(current)
                raise FailedPreconditionError(
                    f"execution is already {old.phase.name}; its status can no longer change"
                )
            rows = EncodedRows.stored(old.tasks, data)
            stored_data = data
            merged = merge_status(old, update, now)
            # Stamped before the bounds, which then size the audit that is written.
            merged.audit = audit.status_updated(old.audit, now)
            current.status = bound_status(merged, status_budget(current, data), rows)
            changed = current
            return current

        def encode(execution: wex.WorkflowExecution) -> bytes:
            # Only the execution as changed has the stored spec: its published form (secrets
            # redacted) has a spec of its own.
            return encode_execution(execution, rows, stored_data if execution is changed else None)

        def decode(data: bytes) -> wex.WorkflowExecution:
            return self._recent.decode(execution_id, data)

        try:
            written = await self.repo.write(
                execution_id, change, publish=True, encode=encode, decode=decode
            )
        except _Unchanged as unchanged:
            shown = redact_execution(unchanged.execution)
            return Written(unchanged.execution, b"", bytes(shown))
        except BaseException:
            self._recent.forget(execution_id)
            raise
        self._recent.remember(execution_id, written.data, written.message)
        if self.listen_observer is not None:
            await self._observe_listens(execution_id, update, written.message)
        return written

    async def _observe_listens(
        self,
        execution_id: str,
        update: wex.WorkflowExecutionStatus,
        execution: wex.WorkflowExecution,
    ) -> None:
        assert self.listen_observer is not None
        rows: list[tuple[str, bool, Any]] = []
        for task in update.tasks:
            if task.metadata is not None and "listen" in task.metadata.fields:
                in_progress = task.status == wex.WorkflowTaskStatus.WORKFLOW_TASK_IN_PROGRESS
                rows.append((task.task_id, in_progress, task.metadata.to_dict()["listen"]))
        ended = _terminal(execution)
        if rows or ended:
            await self.listen_observer(execution_id, rows, ended)

    async def record_final_status(
        self, execution_id: str, status: wex.WorkflowExecutionStatus, output: bytes | None
    ) -> wex.WorkflowExecution:
        """Merge the orchestration's final ``status``, its output given apart as JSON text.

        ``output`` (when not ``None``) is an output too large for the record: it is stored
        beside the record and ``status`` gets its reference and the truncation marker
        (ADR 0033); without a value store it becomes the marker alone, as the record bounds
        would make it.
        """
        if output is not None:
            reference = wex.ExecutionValueReference(path=OUTPUT_PATH, size_bytes=len(output))
            if self.values is not None:
                reference = await self.values.put(execution_id, OUTPUT_PATH, output)
                status.output_reference = reference
            status.output = wkt.Struct.from_dict(marker(reference))
            status.output_value = None
        return await self.update_status(execution_id, status)

    async def value_chunks(
        self, execution_id: str, path: str
    ) -> AsyncIterator[wex.WorkflowExecutionValueChunk]:
        """The parts of a value the execution's record references at ``path`` (getValue).

        The value is found from the execution id and a path that execution's record
        references: a caller who may read the execution reads its values and no other.

        Raises:
            InvalidArgumentError: A missing id or path.
            NotFoundError: No such execution, or it references no value at ``path``.
            DataLossError: The stored value does not match the reference's digest.
        """
        require(execution_id, "execution_id")
        require(path, "path")
        execution = await self.repo.require(execution_id)
        reference = references(execution).get(path)
        if reference is None or self.values is None:
            raise NotFoundError(f"execution {execution_id} holds no value by reference at {path!r}")
        async for chunk in self.values.chunks(execution_id, reference):
            yield chunk

    async def update(self, execution: wex.WorkflowExecution) -> wex.WorkflowExecution:
        """Replace spec and metadata (id, slug, org, workflow/instance kept); status untouched."""
        incoming = copy.deepcopy(execution)
        md = check_envelope(incoming, WORKFLOW_EXECUTION.name)
        target = md.id
        if not target:
            found = await self.repo.find_by_slug(md.org, md.slug)
            if found is None or found.metadata is None:
                raise NotFoundError(f"{WORKFLOW_EXECUTION.name} not found: slug '{md.slug}'")
            target = found.metadata.id
        now = self._clock()

        def change(current: wex.WorkflowExecution) -> wex.WorkflowExecution:
            assert current.metadata is not None
            cur_spec = current.spec or wex.WorkflowExecutionSpec()
            spec = copy.deepcopy(incoming.spec) or wex.WorkflowExecutionSpec()
            for field in ("workflow_id", "workflow_instance_id"):
                value = getattr(spec, field)
                if value and value != getattr(cur_spec, field):
                    raise InvalidArgumentError(f"spec.{field}", "is immutable")
                setattr(spec, field, getattr(cur_spec, field))
            check_spec(spec)
            # The input's reference is the server's (ADR 0033); an update neither sets nor drops it.
            spec.input_reference, spec.input_upload_id = cur_spec.input_reference, ""
            spec.workflow_reference = cur_spec.workflow_reference
            self._sealer.seal(current.metadata.id, spec.runtime_env, cur_spec.runtime_env)
            new_md = copy.deepcopy(md)
            new_md.id, new_md.slug, new_md.org = (
                current.metadata.id,
                current.metadata.slug,
                current.metadata.org,
            )
            status = current.status or wex.WorkflowExecutionStatus()
            status.audit = audit.spec_updated(status.audit, now)
            return wex.WorkflowExecution(
                api_version=current.api_version,
                kind=current.kind,
                metadata=new_md,
                spec=spec,
                status=status,
            )

        return await self.repo.update(target, change, publish=True)

    async def delete(self, execution_id: str) -> wex.WorkflowExecution:
        """Delete and return the execution (and its referenced values); its subscribers'
        streams end."""
        deleted = await self.repo.delete(require(execution_id, "value"))
        if self.values is not None:
            await self.values.delete(execution_id)
        return deleted

    async def get(self, execution_id: str) -> wex.WorkflowExecution:
        """Return the execution or raise NotFoundError."""
        return await self.repo.require(require(execution_id, "value"))

    async def secrets(self, execution_id: str, runner_workflow_id: str) -> dict[str, str]:
        """The clear secret values of a running execution, for its interpreter workflow only.

        The workflow's ``env_spec`` secrets, overridden by the execution's ``runtime_env``
        secrets of the same name.

        Args:
            execution_id: Execution id.
            runner_workflow_id: The caller's workflow id; must be the execution's interpreter
                workflow id.

        Raises:
            InvalidArgumentError: A missing id.
            NotFoundError: No such execution.
            PermissionDeniedError: ``runner_workflow_id`` is not the execution's interpreter.
            FailedPreconditionError: The execution is terminal, or no key can open a value.
        """
        require(execution_id, "execution_id")
        require(runner_workflow_id, "runner_workflow_id")
        execution = await self.repo.require(execution_id)
        if runner_workflow_id != interpreter_workflow_id(execution_id):
            raise PermissionDeniedError(
                f"runner_workflow_id: {runner_workflow_id!r} is not the interpreter workflow of"
                f" execution {execution_id}"
            )
        phase = (execution.status or wex.WorkflowExecutionStatus()).phase
        if is_terminal(phase):
            raise FailedPreconditionError(
                f"execution {execution_id} is {phase.name}: its secrets are no longer served"
            )
        spec = execution.spec or wex.WorkflowExecutionSpec()
        values: dict[str, str] = {}
        if spec.workflow_id:
            workflow = await self._workflows.repo.get(spec.workflow_id)
            if workflow is not None:
                values.update(self._workflows.open_secrets(workflow))
        values.update(self._sealer.open(execution_id, spec.runtime_env))
        return values

    async def cancel(self, execution_id: str, reason: str) -> wex.WorkflowExecution:
        """Ask the orchestrator to cancel a non-terminal execution; return its current state.

        Raises:
            NotFoundError, FailedPreconditionError (already terminal),
            UnavailableError (no launcher or orchestrator unreachable), InternalError.
        """
        launcher = await self._live_execution(execution_id, "cancellations")
        try:
            await launcher.cancel(execution_id, reason)
        except LauncherUnavailableError as exc:
            raise UnavailableError(f"failed to cancel workflow execution: {exc}") from exc
        except FailedPreconditionError:
            pass  # it reached another terminal phase meanwhile: report that state
        except DomainError:
            raise
        except Exception as exc:
            raise InternalError(f"failed to cancel workflow execution: {exc}") from exc
        return await self.repo.require(execution_id)

    async def signal(self, execution_id: str, event: dict[str, Any]) -> wex.WorkflowExecution:
        """Deliver a CloudEvent to a running execution's ``listen`` tasks.

        Raises:
            InvalidArgumentError (no event type), NotFoundError, FailedPreconditionError (not
            running), UnavailableError (no launcher or orchestrator unreachable).
        """
        if not isinstance(event.get("type"), str) or not event["type"]:
            raise InvalidArgumentError("event.type", "required")
        launcher = await self._live_execution(execution_id, "signals")
        try:
            await launcher.signal(execution_id, event)
        except LauncherUnavailableError as exc:
            raise UnavailableError(f"failed to signal workflow execution: {exc}") from exc
        except LauncherNotRunningError as exc:
            raise FailedPreconditionError(str(exc)) from exc
        return await self.repo.require(execution_id)

    async def terminate(self, execution_id: str, reason: str) -> wex.WorkflowExecution:
        """End a non-terminal execution at once, without cleanup; return its current state.

        Raises:
            NotFoundError, FailedPreconditionError (already terminal),
            UnavailableError (no launcher or orchestrator unreachable), InternalError.
        """
        launcher = await self._live_execution(execution_id, "terminations")
        _log.info("execution %s: terminate requested, reason %r", execution_id, reason)
        try:
            await launcher.terminate(execution_id, reason)
        except LauncherUnavailableError as exc:
            raise UnavailableError(f"failed to terminate workflow execution: {exc}") from exc
        except FailedPreconditionError:
            pass  # it ended meanwhile: report that state
        return await self.repo.require(execution_id)

    async def set_paused(
        self, execution_id: str, paused: bool, reason: str = ""
    ) -> wex.WorkflowExecution:
        """Pause (``paused``) or resume a running execution; return its current state.

        Paused, the interpreter finishes the task in progress and starts no other until
        resumed; the phase is PAUSED meanwhile. Both are idempotent.

        Raises:
            NotFoundError, FailedPreconditionError (terminal, or not running yet),
            UnavailableError (no launcher or orchestrator unreachable).
        """
        verb = "pause" if paused else "resume"
        launcher = await self._live_execution(execution_id, f"{verb}s")
        _log.info("execution %s: %s requested, reason %r", execution_id, verb, reason)
        try:
            await launcher.set_paused(execution_id, paused)
        except LauncherUnavailableError as exc:
            raise UnavailableError(f"failed to {verb} workflow execution: {exc}") from exc
        except LauncherNotRunningError as exc:
            raise FailedPreconditionError(str(exc)) from exc
        except FailedPreconditionError:
            pass  # it ended meanwhile: report that state
        return await self.repo.require(execution_id)

    async def publish(self, events: list[Any]) -> tuple[list[str], list[str]]:
        """Store CloudEvents for routing, as ``POST /events`` does; (accepted, duplicate) ids.

        Raises:
            InvalidArgumentError, ResourceExhaustedError (nothing stored), UnavailableError.
        """
        if self.publish_events is None:
            raise UnavailableError("the event ingress is not running on this server")
        return await self.publish_events(events)

    async def _live_execution(self, execution_id: str, what: str) -> ExecutionLauncher:
        """Check the execution exists and is not terminal; return the launcher to act on it."""
        execution = await self.repo.require(require(execution_id, "execution_id"))
        phase = (execution.status or wex.WorkflowExecutionStatus()).phase
        if is_terminal(phase):
            raise FailedPreconditionError(f"execution is already {phase.name}")
        if self.launcher is None:
            raise UnavailableError(f"{what} need the orchestrator (Temporal is disabled)")
        return self.launcher

    async def list(self, request: wex.ListWorkflowExecutionsRequest) -> wex.WorkflowExecutionList:
        """Executions newest first, filtered by phase or pinned revision (an index), and by
        tags (AND) and the phase within a revision (post-filters)."""
        size = page_size_of(request.page_size)
        check_enum(request.phase, wex.ExecutionPhase, "phase")
        phase = int(request.phase)
        tags = sorted(set(request.tags))
        if any(not t for t in tags):
            raise InvalidArgumentError("tags", "must not contain empty strings")
        revision = request.workflow_revision
        if revision and not re.fullmatch(r"[0-9a-f]{64}", revision):
            raise InvalidArgumentError("workflow_revision", "must be 64 lowercase hex digits")
        index = keys.index_by_phase(phase) if phase else keys.INDEX_ALL
        if revision:
            index = keys.index_by_revision(revision)
        wanted = set(tags)

        def has_tags(data: bytes) -> bool:
            execution = self.repo.decode(data)
            md = execution.metadata
            in_phase = not (revision and phase) or (
                int((execution.status or wex.WorkflowExecutionStatus()).phase) == phase
            )
            return in_phase and md is not None and wanted <= set(md.tags)

        page = await list_page(
            self.repo.store,
            WORKFLOW_EXECUTION,
            index,
            size=size,
            token=request.page_token,
            query=f"wex|list|{phase}|{revision}|{','.join(tags)}|{size}",
            max_bytes=MAX_PAGE_BYTES,
            accept=has_tags if tags or (revision and phase) else None,
        )
        return wex.WorkflowExecutionList(
            total_pages=page.total_pages,
            entries=[self.repo.decode(d) for d in page.items],
            next_page_token=page.next_page_token,
        )

    async def list_by_workflow(
        self, request: wex.ListWorkflowExecutionsByWorkflowRequest
    ) -> wex.WorkflowExecutionList:
        """Executions of one workflow newest first, optionally of one phase."""
        workflow_id = require(request.workflow_id, "workflow_id")
        size = page_size_of(request.page_size)
        check_enum(request.phase, wex.ExecutionPhase, "phase")
        phase = int(request.phase)
        index = (
            keys.index_by_workflow_phase(workflow_id, phase)
            if phase
            else keys.index_by_workflow(workflow_id)
        )
        page = await list_page(
            self.repo.store,
            WORKFLOW_EXECUTION,
            index,
            size=size,
            token=request.page_token,
            query=f"wex|wf|{workflow_id}|{phase}|{size}",
            max_bytes=MAX_PAGE_BYTES,
        )
        return wex.WorkflowExecutionList(
            total_pages=page.total_pages,
            entries=[self.repo.decode(d) for d in page.items],
            next_page_token=page.next_page_token,
        )
