"""Workflow use cases: create (with its default instance), apply, update, delete, get."""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Protocol

from stigmer_protos.ai.stigmer.agentic.environment import v1 as env_v1
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.commons import apiresource as ar

from stigmer_server.domain import audit
from stigmer_server.domain.clock import Clock, utc_now
from stigmer_server.domain.ids import new_id
from stigmer_server.domain.kinds import WORKFLOW
from stigmer_server.domain.reference import check_reference
from stigmer_server.domain.slug import slugify
from stigmer_server.domain.validation import check_envelope, require
from stigmer_server.errors import AlreadyExistsError, NotFoundError, UnavailableError
from stigmer_server.secrets.keyring import Keyring
from stigmer_server.secrets.sealing import SecretSealer
from stigmer_server.store import keys
from stigmer_server.store.base import ResourceStore
from stigmer_server.store.repository import Repository
from stigmer_server.workflow.schedule.cadence import Cadence, cadence_of, has_schedule
from stigmer_server.workflow.schedule.settings import ScheduleSettings
from stigmer_server.workflow.stored import published
from stigmer_server.workflow.validation import check_document_off_loop, check_spec
from stigmer_server.workflowinstance.service import InstanceService

DEFAULT_INSTANCE_DESCRIPTION = "Default instance (auto-created, no custom configuration)"

_log = logging.getLogger(__name__)


class Scheduler(Protocol):
    """Keeps the orchestrator's schedule of each workflow in line with its document."""

    def check_ready(self) -> None:
        """Raise UnavailableError when the orchestrator cannot be reached now."""
        ...

    async def put(self, workflow_id: str, cadence: Cadence) -> None:
        """Create or update the workflow's schedule (UnavailableError, InvalidArgumentError)."""
        ...

    async def remove(self, workflow_id: str) -> None:
        """Delete the workflow's schedule if it has one (UnavailableError)."""
        ...


class EventStarts(Protocol):
    """The index of workflows started by events (``schedule.on``), kept by apply and delete."""

    async def index(self, workflow_id: str, spec: wf.WorkflowSpec | None) -> None:
        """Index (or drop) a stored workflow by its document's ``schedule.on``."""
        ...

    async def remove(self, workflow_id: str) -> None:
        """Drop a deleted workflow."""
        ...


def _indexes(workflow: wf.Workflow) -> frozenset[str]:
    indexes = {keys.INDEX_ALL}
    document = workflow.spec.document if workflow.spec else None
    if document is not None and document.name:
        org = workflow.metadata.org if workflow.metadata else ""
        indexes.add(
            keys.index_by_document(org, document.namespace, document.name, document.version)
        )
    return frozenset(indexes)


def _env(workflow: wf.Workflow) -> dict[str, env_v1.EnvironmentValue]:
    env = workflow.spec.env_spec if workflow.spec else None
    return env.data if env is not None else {}


class WorkflowService:
    """Workflow operations on the store."""

    def __init__(
        self,
        store: ResourceStore,
        instances: InstanceService,
        clock: Clock = utc_now,
        keyring: Keyring | None = None,
        schedule_settings: ScheduleSettings | None = None,
    ) -> None:
        """Create the service.

        Args:
            store: Resource store.
            instances: Used to create default instances.
            clock: Source of "now".
            keyring: Encrypts secret ``env_spec`` values at rest; ``None`` refuses them.
            schedule_settings: The operator's bounds on a document's ``schedule``.
        """
        self.repo = Repository(store, WORKFLOW, wf.Workflow, _indexes)
        self._sealer = SecretSealer(keyring, WORKFLOW.name, "spec.env_spec.data")
        self._instances = instances
        self._clock = clock
        self.schedule_settings = schedule_settings or ScheduleSettings()
        self.scheduler: Scheduler | None = None
        """Installed with the orchestrator; ``None`` (API-only mode): schedules stay unrun."""
        self.event_starts: EventStarts | None = None
        """Installed with the event router; ``None``: ``schedule.on`` starts nothing."""

    async def _validate(
        self, workflow: wf.Workflow
    ) -> tuple[ar.ApiResourceMetadata, Cadence | None]:
        md = check_envelope(workflow, WORKFLOW.name)
        spec = check_spec(workflow.spec)
        cadence = cadence_of(spec, self.schedule_settings)
        await check_document_off_loop(spec)
        if cadence is not None and self.scheduler is not None:
            self.scheduler.check_ready()  # an unreachable orchestrator: nothing stored
        return md, cadence

    async def _unschedule(self, workflow_id: str) -> None:
        """Delete the workflow's schedule; when the orchestrator is unreachable, its next run
        finds the workflow gone (or unscheduled) and deletes the schedule itself."""
        if self.scheduler is None:
            return
        try:
            await self.scheduler.remove(workflow_id)
        except UnavailableError as err:
            _log.warning("schedule not deleted now: %s", err, extra={"workflow_id": workflow_id})

    async def create(self, workflow: wf.Workflow) -> wf.Workflow:
        """Create a workflow and its default instance ``<name>-default``.

        Raises:
            InvalidArgumentError, AlreadyExistsError.
        """
        new = copy.deepcopy(workflow)
        md, cadence = await self._validate(new)
        md.id = new_id(WORKFLOW.id_prefix)
        self._sealer.seal(md.id, _env(new))
        new.status = wf.WorkflowStatus(audit=audit.created_audit(self._clock()))
        await self.repo.create(new)
        try:
            await self.ensure_default_instance(new)
        except Exception:
            # Do not leave a workflow behind that the caller was told was not created.
            await self.repo.delete(md.id)
            raise
        if cadence is not None and self.scheduler is not None:
            # After storing: a run that fired before would find no workflow.
            try:
                await self.scheduler.put(md.id, cadence)
            except Exception:
                await self.delete(md.id)
                raise
        if self.event_starts is not None:
            await self.event_starts.index(md.id, new.spec)
        return await self.repo.require(md.id)

    async def ensure_default_instance(self, workflow: wf.Workflow) -> str:
        """Return the workflow's default instance id, creating/recording it when missing.

        Recovers from a crash between creating the workflow and its instance, and from a
        deleted default instance.

        Raises:
            AlreadyExistsError: An unrelated instance already holds the ``<name>-default`` slug.
        """
        md = workflow.metadata
        assert md is not None
        status = workflow.status or wf.WorkflowStatus()
        if status.default_instance_id and await self._instances.repo.get(
            status.default_instance_id
        ):
            return status.default_instance_id
        name = f"{md.name or md.slug}-default"
        existing = await self._instances.repo.find_by_slug(md.org, slugify(name))
        if existing is not None and existing.metadata is not None:
            if (existing.spec or win.WorkflowInstanceSpec()).workflow_id != md.id:
                raise AlreadyExistsError(
                    f"WorkflowInstance with slug '{slugify(name)}' already exists"
                    f" for another workflow (id: {existing.metadata.id})"
                )
            instance = existing
        else:
            instance = await self._instances.create(
                win.WorkflowInstance(
                    metadata=ar.ApiResourceMetadata(
                        name=name,
                        org=md.org,
                        owner_scope=md.owner_scope,
                    ),
                    spec=win.WorkflowInstanceSpec(
                        workflow_id=md.id, description=DEFAULT_INSTANCE_DESCRIPTION
                    ),
                )
            )
        assert instance.metadata is not None
        instance_id = instance.metadata.id
        now = self._clock()

        def record(current: wf.Workflow) -> wf.Workflow:
            new = copy.deepcopy(current)
            st = new.status or wf.WorkflowStatus()
            st.default_instance_id = instance_id
            st.audit = audit.status_updated(st.audit, now)
            new.status = st
            return new

        await self.repo.update(md.id, record)
        return instance_id

    async def update(self, workflow: wf.Workflow) -> wf.Workflow:
        """Replace spec and metadata (id, slug, org kept); never rewrites status.

        The workflow's schedule follows its document: created, changed, or deleted when the
        document no longer has one. It is written first, so a schedule the orchestrator
        refuses (or cannot be reached for) leaves the stored workflow unchanged.
        """
        incoming = copy.deepcopy(workflow)
        md, cadence = await self._validate(incoming)
        target = await self.repo.resolve_id(md)
        if cadence is not None and self.scheduler is not None:
            await self.scheduler.put(target, cadence)
        now = self._clock()

        was_scheduled = False

        def change(current: wf.Workflow) -> wf.Workflow:
            nonlocal was_scheduled
            assert current.metadata is not None
            was_scheduled = has_schedule(current.spec)
            new_md = copy.deepcopy(md)
            new_md.id, new_md.slug, new_md.org = (
                current.metadata.id,
                current.metadata.slug,
                current.metadata.org,
            )
            status = copy.deepcopy(current.status) or wf.WorkflowStatus()
            status.audit = audit.spec_updated(status.audit, now)
            new = wf.Workflow(
                api_version=current.api_version,
                kind=current.kind,
                metadata=new_md,
                spec=copy.deepcopy(incoming.spec),  # sealed in place; this may run again
                status=status,
            )
            self._sealer.seal(new_md.id, _env(new), _env(current))
            return new

        updated = await self.repo.update(target, change)
        if cadence is None and was_scheduled:
            await self._unschedule(target)
        if self.event_starts is not None:
            await self.event_starts.index(target, updated.spec)
        return updated

    async def apply(self, workflow: wf.Workflow) -> wf.Workflow:
        """Create, or update the workflow with the same slug in the org."""
        probe = copy.deepcopy(workflow)
        md = check_envelope(probe, WORKFLOW.name)
        if md.id or await self.repo.find_by_slug(md.org, md.slug) is not None:
            return await self.update(probe)
        try:
            return await self.create(probe)
        except AlreadyExistsError:
            # Another apply created the slug between the lookup and the create: apply is an
            # upsert, so this one updates what the other created.
            return await self.update(copy.deepcopy(workflow))

    async def delete(self, workflow_id: str) -> wf.Workflow:
        """Delete and return the workflow and its auto-created default instance.

        Other instances and the executions are kept (as in Stigmer).
        """
        deleted = await self.repo.delete(require(workflow_id, "value"))
        if has_schedule(deleted.spec):
            await self._unschedule(workflow_id)
        if self.event_starts is not None:
            await self.event_starts.remove(workflow_id)
        default_id = (deleted.status or wf.WorkflowStatus()).default_instance_id
        if default_id:
            with contextlib.suppress(NotFoundError):
                await self._instances.repo.delete(default_id)
        return deleted

    def open_secrets(self, workflow: wf.Workflow) -> dict[str, str]:
        """The clear values of the workflow's secret ``env_spec`` entries, by name.

        Raises:
            FailedPreconditionError: No key is configured, or a value does not decrypt.
        """
        md = workflow.metadata
        return self._sealer.open(md.id if md else "", _env(workflow))

    async def get(self, workflow_id: str) -> wf.Workflow:
        """Return the workflow or raise NotFoundError."""
        return await self.repo.require(require(workflow_id, "value"))

    async def get_published(self, workflow_id: str) -> bytes:
        """Return the workflow encoded as its readers see it (secrets redacted), or raise
        NotFoundError; a workflow without secrets is answered as stored, never decoded."""
        return published(await self.repo.require_encoded(require(workflow_id, "value")))

    async def find_by_document(
        self, org: str, namespace: str, name: str, version: str
    ) -> wf.Workflow | None:
        """The newest workflow of ``org`` whose DSL document has this namespace/name/version
        (``run: workflow``, ADR 0036); ``None`` when there is none."""
        index = keys.index_by_document(org, namespace, name, version)
        for _, data in await self.repo.store.scan_index(WORKFLOW, index, None, 1):
            if data is not None:
                return self.repo.decode(data)
        return None

    async def get_by_reference(self, ref: ar.ApiResourceReference) -> wf.Workflow:
        """Look a workflow up by org + slug."""
        org, slug = check_reference(ref, WORKFLOW)
        found = await self.repo.find_by_slug(org, slug)
        if found is None:
            raise NotFoundError(f"{WORKFLOW.name} not found: slug '{slug}'")
        return found
