"""Redis key layout.

Every key of one kind shares the hash tag ``{<prefix>:<id_prefix>}`` so that every transaction
(record + slug reservation + indexes + event stream) touches one Redis Cluster slot:

- ``{p:k}:r:<id>``            hash: ``d`` = binary protobuf, ``i`` = index names (newline-separated)
- ``{p:k}:s:<org>:<slug>``    string: id owning the slug in that org
- ``{p:k}:x:<index>``         sorted set of ids, all scores 0, ordered by id (ULID = time)
- ``{p:k}:e:<id>``            stream of the resource's states (executions only)

Index names: ``all``, ``wf:<workflow_id>``, ``phase:<n>``, ``wf:<workflow_id>:phase:<n>``;
workflows also ``doc:<org>:<namespace>:<name>:<version>`` (``run: workflow`` resolution).

Every value embedded in a key (org, slug, id) goes through :func:`escape`, so no value can
contain the ``:`` that separates parts or the braces of the hash tag: ``s:acme:internal:payroll``
cannot be spelled by another (org, slug) pair. Valid ids, orgs and slugs are left unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from stigmer_server.domain.kinds import Kind

INDEX_ALL = "all"


def escape(value: str) -> str:
    """Percent-encode everything in ``value`` but ``[A-Za-z0-9_.~-]`` (injective, key-safe)."""
    return quote(value, safe="")


def index_by_workflow(workflow_id: str) -> str:
    """Index of the resources that belong to ``workflow_id``."""
    return f"wf:{escape(workflow_id)}"


def index_by_phase(phase: int) -> str:
    """Index of the executions in ``phase``."""
    return f"phase:{phase}"


def index_by_revision(sha256: str) -> str:
    """Index of the executions that run the pinned Workflow revision ``sha256``."""
    return f"rev:{escape(sha256)}"


def index_by_workflow_phase(workflow_id: str, phase: int) -> str:
    """Index of the executions of ``workflow_id`` in ``phase``."""
    return f"wf:{escape(workflow_id)}:phase:{phase}"


def index_by_document(org: str, namespace: str, name: str, version: str) -> str:
    """Index of the workflows of ``org`` whose DSL document has this namespace/name/version."""
    parts = (org, namespace, name, version)
    return "doc:" + ":".join(escape(part) for part in parts)


@dataclass(frozen=True)
class KindKeys:
    """Key builder for one kind under one prefix."""

    prefix: str
    kind: Kind

    @property
    def tag(self) -> str:
        """The Cluster hash tag shared by every key of the kind."""
        return f"{{{self.prefix}:{self.kind.id_prefix}}}"

    def record(self, resource_id: str) -> str:
        """Hash holding the resource."""
        return f"{self.tag}:r:{escape(resource_id)}"

    def slug(self, org: str, slug: str) -> str:
        """String reserving ``slug`` within ``org``."""
        return f"{self.tag}:s:{escape(org)}:{escape(slug)}"

    def index(self, name: str) -> str:
        """Sorted-set index ``name``."""
        return f"{self.tag}:x:{name}"

    def events(self, resource_id: str) -> str:
        """Event stream of the resource."""
        return f"{self.tag}:e:{escape(resource_id)}"
