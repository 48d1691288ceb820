"""Where a document may read ``$secrets``: only in fields an activity evaluates.

Workflow code never sees a secret value, so none can reach Temporal history; the load-time
check uses these, the runner's ``workflow_runner.engine.secrets`` does the rest.
"""

from __future__ import annotations

from stigmer_dsl import expressions

SECRET_SITES = (
    "call http: with.headers, with.query, with.body, with.endpoint (uri, authentication)",
    "call openapi: with.authentication",
    "call grpc: with.arguments, with.service.authentication",
    "run shell/script: environment, arguments, stdin",
    "input.from (as secret references an activity resolves: ADR 0029)",
)
"""Where ``$secrets`` may be used (values evaluated inside an activity)."""


def references_secrets(expr: str) -> bool:
    """Return True when a jq expression reads ``$secrets``."""
    return "secrets" in expressions.scan(expr).variables
