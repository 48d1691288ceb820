"""Where a document may read ``$secrets``: only in fields an activity evaluates.

Workflow code never sees a secret value, so none can reach Temporal history; the load-time
check uses these, the runner's ``workflow_runner.engine.secrets`` does the rest.
"""

from __future__ import annotations

from stigmer_dsl import expressions
from stigmer_dsl.kinds import REGISTRY

SECRET_SITES: tuple[str, ...] = (
    *dict.fromkeys(kind.secret_sites for kind in REGISTRY.kinds if kind.secret_sites),
    "input.from (as secret references an activity resolves: ADR 0029)",
)
"""Where ``$secrets`` may be used (values evaluated inside an activity): each kind names its
fields (:attr:`stigmer_dsl.kinds.TaskKind.secret_sites`)."""


def references_secrets(expr: str) -> bool:
    """Return True when a jq expression reads ``$secrets``."""
    return "secrets" in expressions.scan(expr).variables
