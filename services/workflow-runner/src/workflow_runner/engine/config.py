"""Worker-level engine configuration: side-effect switches and the secret resolver.

Values here never travel through Temporal history: they are given to
:func:`~workflow_runner.engine.engine_activities` when the worker is built and only the engine's
activities read them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

EVENT_SINK_ENV = "STIGMER_EVENT_SINK_URL"
"""Environment variable naming the default CloudEvents sink URL of ``emit`` tasks."""

ALLOW_RUN_ENV = "STIGMER_ALLOW_RUN"
"""Environment variable (``1``/``true``) allowing ``run: shell`` / ``run: script`` tasks."""


class SecretResolver(Protocol):
    """Provides an execution's secrets to the engine's activities (never to workflow code)."""

    async def resolve(self, execution_id: str) -> Mapping[str, Any]:
        """Return the secrets available to ``execution_id`` by name.

        A secret value is a string or a JSON object (e.g. ``{username, password}`` for basic
        authentication).
        """
        ...


class NoSecrets:
    """The default resolver: no secrets at all."""

    async def resolve(self, execution_id: str) -> Mapping[str, Any]:
        """Return an empty mapping."""
        return {}


class StaticSecrets:
    """A resolver returning the same secrets for every execution (tests, local runs)."""

    def __init__(self, secrets: Mapping[str, Any]) -> None:
        """Keep ``secrets``."""
        self._secrets = dict(secrets)

    async def resolve(self, execution_id: str) -> Mapping[str, Any]:
        """Return the configured secrets."""
        return dict(self._secrets)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class EngineConfig:
    """Configuration of the engine's activities on one worker.

    Attributes:
        event_sink_url: Where ``emit`` POSTs CloudEvents (structured-mode JSON); None means no
            sink: the event is only logged and returned as the task output.
        allow_run: Whether ``run: shell`` / ``run: script`` may execute processes on the worker.
        secret_resolver: Source of ``$secrets`` for activities.
        run_timeout_seconds: Wall-clock limit of one ``run`` process.
        python_executable: Interpreter used for ``run: script`` with ``language: python``.
        node_executable: Interpreter used for ``language: js``/``javascript`` (None: look up
            ``node`` on PATH when the script runs).
    """

    event_sink_url: str | None = None
    allow_run: bool = False
    secret_resolver: SecretResolver | None = None
    run_timeout_seconds: float = 300.0
    python_executable: str | None = None
    node_executable: str | None = None

    @classmethod
    def from_env(cls, secret_resolver: SecretResolver | None = None) -> EngineConfig:
        """Build a config from ``STIGMER_EVENT_SINK_URL`` and ``STIGMER_ALLOW_RUN``."""
        return cls(
            event_sink_url=os.environ.get(EVENT_SINK_ENV) or None,
            allow_run=_env_flag(ALLOW_RUN_ENV),
            secret_resolver=secret_resolver,
        )
