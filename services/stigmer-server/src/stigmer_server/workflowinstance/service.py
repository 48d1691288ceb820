"""WorkflowInstance use cases: create/apply/update/delete/get/list by workflow."""

from __future__ import annotations

import copy

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowinstance import v1 as win
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.ai.stigmer.commons.rpc import PageInfo

from stigmer_server.domain import audit
from stigmer_server.domain.clock import Clock, utc_now
from stigmer_server.domain.ids import new_id
from stigmer_server.domain.kinds import WORKFLOW, WORKFLOW_INSTANCE
from stigmer_server.domain.reference import check_reference
from stigmer_server.domain.validation import check_envelope, require
from stigmer_server.errors import InvalidArgumentError, NotFoundError
from stigmer_server.store import keys
from stigmer_server.store.base import ResourceStore
from stigmer_server.store.pagination import list_page, page_size_of
from stigmer_server.store.repository import Repository


def _indexes(instance: win.WorkflowInstance) -> frozenset[str]:
    spec = instance.spec or win.WorkflowInstanceSpec()
    return frozenset({keys.INDEX_ALL, keys.index_by_workflow(spec.workflow_id)})


class InstanceService:
    """WorkflowInstance operations on the store."""

    def __init__(self, store: ResourceStore, clock: Clock = utc_now) -> None:
        """Create the service.

        Args:
            store: Resource store.
            clock: Source of "now".
        """
        self.repo = Repository(store, WORKFLOW_INSTANCE, win.WorkflowInstance, _indexes)
        self._workflows = Repository(store, WORKFLOW, wf.Workflow, lambda _: frozenset())
        self._clock = clock

    def _validate(self, instance: win.WorkflowInstance) -> win.WorkflowInstanceSpec:
        check_envelope(instance, WORKFLOW_INSTANCE.name)
        if instance.spec is None:
            raise InvalidArgumentError("spec", "required")
        require(instance.spec.workflow_id, "spec.workflow_id")
        return instance.spec

    async def create(self, instance: win.WorkflowInstance) -> win.WorkflowInstance:
        """Create an instance of an existing workflow.

        Raises:
            InvalidArgumentError, NotFoundError (workflow), AlreadyExistsError (slug).
        """
        new = copy.deepcopy(instance)
        spec = self._validate(new)
        if await self._workflows.get(spec.workflow_id) is None:
            raise NotFoundError(f"Workflow not found: {spec.workflow_id}")
        assert new.metadata is not None
        new.metadata.id = new_id(WORKFLOW_INSTANCE.id_prefix)
        new.status = ar.ApiResourceAuditStatus(audit=audit.created_audit(self._clock()))
        await self.repo.create(new)
        return new

    async def update(self, instance: win.WorkflowInstance) -> win.WorkflowInstance:
        """Replace spec and metadata (id, slug, org and workflow kept); never touches status."""
        incoming = copy.deepcopy(instance)
        self._validate(incoming)
        assert incoming.metadata is not None
        existing_id = await self.repo.resolve_id(incoming.metadata)
        now = self._clock()

        def change(current: win.WorkflowInstance) -> win.WorkflowInstance:
            assert current.metadata is not None and incoming.metadata is not None
            cur_spec = current.spec or win.WorkflowInstanceSpec()
            new_spec = copy.deepcopy(incoming.spec) or win.WorkflowInstanceSpec()
            if new_spec.workflow_id != cur_spec.workflow_id:
                raise InvalidArgumentError("spec.workflow_id", "is immutable")
            md = copy.deepcopy(incoming.metadata)
            cur = current.metadata
            md.id, md.slug, md.org = cur.id, cur.slug, cur.org
            status = current.status or ar.ApiResourceAuditStatus()
            return win.WorkflowInstance(
                api_version=current.api_version,
                kind=current.kind,
                metadata=md,
                spec=new_spec,
                status=ar.ApiResourceAuditStatus(audit=audit.spec_updated(status.audit, now)),
            )

        return await self.repo.update(existing_id, change)

    async def apply(self, instance: win.WorkflowInstance) -> win.WorkflowInstance:
        """Create, or update the instance with the same slug in the org."""
        probe = copy.deepcopy(instance)
        md = check_envelope(probe, WORKFLOW_INSTANCE.name)
        if md.id or await self.repo.find_by_slug(md.org, md.slug) is not None:
            return await self.update(probe)
        return await self.create(probe)

    async def delete(self, instance_id: str) -> win.WorkflowInstance:
        """Delete and return the instance."""
        return await self.repo.delete(require(instance_id, "value"))

    async def get(self, instance_id: str) -> win.WorkflowInstance:
        """Return the instance or raise NotFoundError."""
        return await self.repo.require(require(instance_id, "value"))

    async def get_by_reference(self, ref: ar.ApiResourceReference) -> win.WorkflowInstance:
        """Look an instance up by org + slug."""
        org, slug = check_reference(ref, WORKFLOW_INSTANCE)
        found = await self.repo.find_by_slug(org, slug)
        if found is None:
            raise NotFoundError(f"{WORKFLOW_INSTANCE.name} not found: slug '{slug}'")
        return found

    async def get_by_workflow(
        self, request: win.GetWorkflowInstancesByWorkflowRequest
    ) -> win.WorkflowInstanceList:
        """Instances of a workflow, newest first.

        ``page_size``/``page_token`` win; otherwise the legacy ``page_info{num (1-based), size}``.
        """
        workflow_id = require(request.workflow_id, "workflow_id")
        info = request.page_info or PageInfo()
        if info.num < 0:
            raise InvalidArgumentError("page_info.num", "must not be negative")
        size = page_size_of(request.page_size or info.size, "page_size")
        index = keys.index_by_workflow(workflow_id)
        after = None
        if not request.page_token and info.num > 1:
            after = await self.repo.store.skip_index(
                WORKFLOW_INSTANCE, index, (info.num - 1) * size
            )
        page = await list_page(
            self.repo.store,
            WORKFLOW_INSTANCE,
            index,
            size=size,
            token=request.page_token,
            query=f"win|{workflow_id}|{size}",
            after_id=after,
        )
        return win.WorkflowInstanceList(
            total_pages=page.total_pages,
            entries=[self.repo.decode(d) for d in page.items],
            next_page_token=page.next_page_token,
        )
