"""The DSL documents of the workflows executions run, fetched, converted, validated and kept."""

from __future__ import annotations

from typing import Any

import grpc
from stigmer_dsl import DefinitionError, definition_cache
from stigmer_dsl.activity_policy import AllowedActivity
from stigmer_dsl.converter import ConversionError, workflow_to_yaml
from stigmer_dsl.errors import definition_problem
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from workflow_runner.activities.document_cache import DocumentCache, digest
from workflow_runner.api import StigmerApi
from workflow_runner.client import StigmerRpcError


class ExecutionSetupError(Exception):
    """The execution cannot run as configured (missing resources, invalid workflow).

    Attributes:
        details: The RFC 7807 error object, when there is one (an invalid workflow).
    """

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        """Keep ``message`` and the optional error object."""
        super().__init__(message)
        self.details = details


class WorkflowDocuments:
    """Turns an execution's workflow into its validated DSL document (cached by served bytes)."""

    def __init__(self, api: StigmerApi, allowed_activities: tuple[AllowedActivity, ...]) -> None:
        """Fetch through ``api``; validate against the operator's ``call: activity`` list."""
        self._api = api
        self._allowed_activities = allowed_activities
        self._documents = DocumentCache()

    async def yaml_of(self, spec: wex.WorkflowExecutionSpec, execution_id: str = "") -> str:
        """The validated DSL document of the workflow an execution spec names.

        The revision pinned at create (``spec.workflow_reference``, fetched with
        ``execution_id``) when the execution has one; else the Workflow as it is now
        (executions created before pinning, subflows).

        Raises:
            ExecutionSetupError: The workflow is missing, not the runner's to read, or invalid.
            StigmerRpcError: stigmer-server failed otherwise.
        """
        workflow_id = spec.workflow_id
        try:
            # stigmer-server records the instance's workflow on create; the instance itself is
            # only needed when a client left workflow_id out.
            if not workflow_id and spec.workflow_instance_id:
                instance = await self._api.get_workflow_instance(spec.workflow_instance_id)
                workflow_id = instance.spec.workflow_id if instance.spec else ""
            if not workflow_id:
                raise ExecutionSetupError(
                    "execution has neither workflow_id nor workflow_instance_id"
                )
            pinned = spec.workflow_reference
            if pinned is not None and pinned.path and execution_id:
                # The reference names the revision by the SHA-256 of its bytes: a revision
                # this runner has loaded before needs no fetch (ADR 0042).
                known = self._documents.get(_sha256_of(pinned))
                if known is not None:
                    return known
                served = await self._api.get_value(execution_id, pinned.path)
            else:
                served = await self._api.get_workflow_encoded(workflow_id)
        except StigmerRpcError as err:
            if err.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
                raise ExecutionSetupError(f"cannot run execution: {err.details}") from err
            raise
        key = digest(served)
        cached = self._documents.get(key)
        if cached is not None:
            return cached
        workflow = wf.Workflow.parse(served)
        if workflow.spec is None:
            raise ExecutionSetupError(f"workflow {workflow_id} has no spec")
        try:
            yaml_text = workflow_to_yaml(workflow.spec)
            # The shared cache: the interpreter loading this text next finds it loaded.
            definition_cache.SHARED.load(yaml_text, self._allowed_activities)
        except (ConversionError, DefinitionError) as err:
            name = (workflow.metadata.name if workflow.metadata else "") or workflow_id
            details = definition_problem(err) if isinstance(err, DefinitionError) else None
            raise ExecutionSetupError(f"workflow {name!r} is invalid: {err}", details) from err
        self._documents.put(key, yaml_text)
        return yaml_text


def _sha256_of(reference: wex.ExecutionValueReference) -> bytes:
    """The digest a value reference names (empty when it is not 64 hex digits)."""
    try:
        return bytes.fromhex(reference.sha256) if len(reference.sha256) == 64 else b""
    except ValueError:
        return b""
