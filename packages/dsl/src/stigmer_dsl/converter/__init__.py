"""Proto <-> Serverless Workflow DSL 1.0 conversion.

``workflow_to_dsl`` / ``workflow_to_yaml`` turn a ``WorkflowSpec`` (canonical task configs or
the typed configs Stigmer clients send) into a DSL document; ``dsl_to_workflow_spec`` turns a
DSL document into a ``WorkflowSpec`` in canonical form. The mapping is described in
``docs/adr/0004-proto-dsl-mapping.md``.
"""

from __future__ import annotations

from stigmer_dsl.converter.from_dsl import dsl_to_workflow_spec
from stigmer_dsl.converter.kinds import COMMON_FIELDS, KIND_SPECS, KindSpec
from stigmer_dsl.converter.to_dsl import task_to_dsl, workflow_to_dsl, workflow_to_yaml
from stigmer_dsl.converter.yaml_io import dump_yaml, load_yaml
from stigmer_dsl.errors import ConversionError

__all__ = [
    "COMMON_FIELDS",
    "KIND_SPECS",
    "ConversionError",
    "KindSpec",
    "dsl_to_workflow_spec",
    "dump_yaml",
    "load_yaml",
    "task_to_dsl",
    "workflow_to_dsl",
    "workflow_to_yaml",
]
