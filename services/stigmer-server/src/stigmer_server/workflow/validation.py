"""Validation of a WorkflowSpec: its fields, then the DSL document it holds."""

from __future__ import annotations

import asyncio

from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.converter import ConversionError, workflow_to_yaml
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.dsl_version import dsl_version_problem

from stigmer_server.domain.validation import check_enum
from stigmer_server.errors import InvalidArgumentError

MAX_TASKS = 1000
"""Top-level tasks per workflow; nested task lists are bounded by the runner's loader."""


def check_spec(spec: wf.WorkflowSpec | None) -> wf.WorkflowSpec:
    """Check the fields Stigmer's protovalidate rules require.

    Raises:
        InvalidArgumentError: Naming the first offending field.
    """
    if spec is None:
        raise InvalidArgumentError("spec", "required")
    doc = spec.document
    if doc is None:
        raise InvalidArgumentError("spec.document", "required")
    dsl_problem = dsl_version_problem(doc.dsl) if doc.dsl else None  # empty: the default, 1.0.0
    if dsl_problem:
        raise InvalidArgumentError("spec.document.dsl", dsl_problem)
    for name in ("namespace", "name", "version"):
        if not getattr(doc, name):
            raise InvalidArgumentError(f"spec.document.{name}", "required")
    if not spec.tasks:
        raise InvalidArgumentError("spec.tasks", "at least one task is required")
    if len(spec.tasks) > MAX_TASKS:
        raise InvalidArgumentError("spec.tasks", f"at most {MAX_TASKS} top-level tasks")
    for i, task in enumerate(spec.tasks):
        if not task.name:
            raise InvalidArgumentError(f"spec.tasks[{i}].name", "required")
        check_enum(task.kind, ar.WorkflowTaskKind, f"spec.tasks[{i}].kind")
        if int(task.kind) == 0:
            raise InvalidArgumentError(f"spec.tasks[{i}].kind", "required")
    return spec


def check_document(spec: wf.WorkflowSpec) -> None:
    """Check the DSL document a spec holds with the checks the runner makes when it loads it.

    ``call: activity`` names and queues are left to the runner, whose allow-list decides them
    (and which refuses engine-internal activities whatever the server let through).

    Raises:
        InvalidArgumentError: ``spec`` does not convert to a DSL document, or the document
            cannot run; the message lists each problem with its JSON pointer in the document.
    """
    try:
        load_workflow(workflow_to_yaml(spec), check_activity_calls=False)
    except ConversionError as err:
        raise InvalidArgumentError("spec", str(err)) from None
    except DefinitionError as err:
        raise InvalidArgumentError(
            "spec", "invalid workflow definition: " + "; ".join(err.problems)
        ) from None


async def check_document_off_loop(spec: wf.WorkflowSpec) -> None:
    """:func:`check_document` in a worker thread.

    The check is never cheap (schema validation, one jq compile per batch of expressions,
    milliseconds at least and seconds for a document of a thousand tasks), so unlike
    :func:`stigmer_server.offload.run_sized` it always leaves the event loop.
    """
    await asyncio.to_thread(check_document, spec)
