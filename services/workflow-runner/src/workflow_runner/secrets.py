"""The runner's ``SecretResolver``: an execution's secrets, fetched from stigmer-server."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from stigmer_protos.temporal_names import interpreter_workflow_id

from workflow_runner.api import StigmerApi


def _value(raw: str) -> Any:
    """A secret is a string, or a JSON object (e.g. ``{"username": ..., "password": ...}``)."""
    if raw.startswith("{"):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(parsed, dict):
            return parsed
    return raw


class ApiSecretResolver:
    """Resolves ``$secrets`` for the engine's activities, never for workflow code.

    Secrets are the workflow's ``env_spec`` entries marked secret, overridden by the
    execution's ``runtime_env`` entries marked secret, as ``getSecrets`` returns them: the one
    RPC that returns secret values, and only to the execution's interpreter workflow while the
    execution runs. Results are cached briefly per execution so a workflow with many calls
    does not fetch them for each one.
    """

    def __init__(self, api: StigmerApi, ttl_seconds: float = 30.0) -> None:
        """Fetch through ``api``; keep each execution's secrets for ``ttl_seconds``."""
        self._api = api
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    async def resolve(self, execution_id: str) -> Mapping[str, Any]:
        """Return the execution's secrets by name."""
        now = time.monotonic()
        cached = self._cache.get(execution_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        values = await self._api.get_secrets(execution_id, interpreter_workflow_id(execution_id))
        secrets = {name: _value(raw) for name, raw in values.items()}
        self._cache = {k: v for k, v in self._cache.items() if now - v[0] < self._ttl}
        self._cache[execution_id] = (now, secrets)
        return secrets
