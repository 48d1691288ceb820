"""Validation of a WorkflowSpec."""

from __future__ import annotations

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
