"""Reading a workflow file: a DSL document, or a Workflow resource in YAML/JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from stigmer_dsl.converter import load_yaml
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.commons import apiresource as ar

from stigmer_cli.client import LOCAL_ORG
from stigmer_cli.diagnostics import check_dsl
from stigmer_cli.errors import UsageError


@dataclass(frozen=True)
class WorkflowFile:
    """A parsed workflow file.

    Attributes:
        path: Where it was read from.
        text: Its text.
        data: The parsed document.
        is_dsl: A DSL document (``document`` + ``do``) rather than a Workflow resource.
    """

    path: Path
    text: str
    data: Mapping[str, Any]
    is_dsl: bool

    @property
    def name(self) -> str:
        """The file name as given, for messages."""
        return str(self.path)


def read_workflow_file(path: str | Path) -> WorkflowFile:
    """Read and parse a workflow file.

    Raises:
        UsageError: The file is missing, not YAML/JSON, or neither form of workflow.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or str(err)
        raise UsageError(f"{where}: invalid YAML: {problem}") from None
    if not isinstance(data, Mapping):
        raise UsageError(f"{path}: expected a DSL workflow (document + do) or a Workflow resource")
    if "document" in data and "do" in data:
        return WorkflowFile(path=path, text=text, data=data, is_dsl=True)
    if "spec" in data:
        return WorkflowFile(path=path, text=text, data=data, is_dsl=False)
    raise UsageError(f"{path}: expected a DSL workflow (document + do) or a Workflow resource")


def to_workflow(file: WorkflowFile) -> wf.Workflow:
    """The Workflow resource to apply: named after ``document.name``, in org ``local``.

    Raises:
        UsageError: The workflow is invalid (first problem, located; the count of the others).
    """
    from stigmer_dsl.converter import ConversionError, dsl_to_workflow_spec

    if file.is_dsl:
        problems = check_dsl(file.text)
        if problems:
            more = len(problems) - 1
            suffix = f" (+{more} more: run `stigmer validate {file.name}`)" if more else ""
            raise UsageError(problems[0].render(file.name) + suffix)
        try:
            spec = dsl_to_workflow_spec(file.data)
        except ConversionError as err:
            raise UsageError(f"{file.name}: {err}") from None
        workflow = wf.Workflow(spec=spec)
    else:
        try:
            workflow = wf.Workflow.from_dict(dict(file.data))
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            raise UsageError(f"{file.name}: not a Workflow resource: {err}") from None
    return _with_local_metadata(workflow)


def _with_local_metadata(workflow: wf.Workflow) -> wf.Workflow:
    md = workflow.metadata or ar.ApiResourceMetadata()
    doc_name = workflow.spec.document.name if workflow.spec and workflow.spec.document else ""
    md.name = md.name or doc_name
    md.org = md.org or LOCAL_ORG
    if int(md.owner_scope) == 0:
        md.owner_scope = ar.ApiResourceOwnerScope.organization
    workflow.metadata = md
    return workflow
