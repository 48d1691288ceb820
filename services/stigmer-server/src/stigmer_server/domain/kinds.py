"""The resource kinds this server stores."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A resource kind.

    Attributes:
        name: Kind name as it appears in the resource's ``kind`` field.
        id_prefix: Prefix of its ids (Stigmer's ``kind_meta.id_prefix``).
        api_resource_kind: Its ``ApiResourceKind`` enum number.
    """

    name: str
    id_prefix: str
    api_resource_kind: int


WORKFLOW = Kind("Workflow", "wfl", 50)
WORKFLOW_INSTANCE = Kind("WorkflowInstance", "win", 51)
WORKFLOW_EXECUTION = Kind("WorkflowExecution", "wex", 52)
