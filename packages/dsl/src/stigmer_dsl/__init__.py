"""The Serverless Workflow DSL 1.0 as a library: load, check and convert workflow documents.

Public API::

    load_workflow, WorkflowDefinition, TaskNode, DefinitionError

Submodules hold the rest: :mod:`.yaml_io` (the one YAML loader), :mod:`.schema_validation`,
:mod:`.limits`, :mod:`.expressions` (jq detection and load-time checks), :mod:`.durations`,
:mod:`.errors` (the spec's error types), :mod:`.dataflow`, :mod:`.activity_policy` and
:mod:`.converter` (proto <-> DSL). Nothing here imports Temporal, gRPC or an HTTP client (the
converter imports the generated messages, whose modules import grpc): the CLI and the server
check documents with it without loading the interpreter.
"""

from __future__ import annotations

from stigmer_dsl.errors import DefinitionError
from stigmer_dsl.loader import TaskNode, WorkflowDefinition, load_workflow

__all__ = ["DefinitionError", "TaskNode", "WorkflowDefinition", "load_workflow"]
