"""Worker-level engine configuration: side-effect switches and the secret resolver.

Values here never travel through Temporal history: they are given to
:func:`~workflow_runner.engine.engine_activities` when the worker is built and only the engine's
activities read them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from stigmer_protos import limits

from workflow_runner.engine.network_policy import ALLOW_CIDRS_ENV, DENY_CIDRS_ENV, NetworkPolicy

EVENT_SINK_ENV = "STIGMER_EVENT_SINK_URL"
"""Environment variable naming the default CloudEvents sink URL of ``emit`` tasks."""

EVENT_SINK_KEY_FILE_ENV = "STIGMER_EVENT_SINK_API_KEY_FILE"
"""A file holding the key ``emit`` sends to the sink (``authorization: Bearer``): a ``write``
key of stigmer-server when the sink is its ``POST /events`` (ADR 0037)."""

ALLOW_RUN_ENV = "STIGMER_ALLOW_RUN"
"""Environment variable (``1``/``true``) allowing ``run: shell`` / ``run: script`` tasks."""

ALLOW_FILE_RESOURCES_ENV = "STIGMER_ALLOW_FILE_RESOURCES"
"""Environment variable (``1``/``true``) allowing ``file://`` and path resources."""

FILE_RESOURCES_ROOT_ENV = "STIGMER_FILE_RESOURCES_ROOT"
"""Environment variable: the directory local resources must resolve into (required when on)."""


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


def _key_file(path: str) -> str | None:
    """The stripped content of the key file at ``path`` ("" means none).

    Raises:
        ValueError: The file cannot be read or is empty (the message names the setting).
    """
    if not path:
        return None
    try:
        key = Path(path).read_text().strip()
    except OSError as exc:
        raise ValueError(f"{EVENT_SINK_KEY_FILE_ENV}: cannot read {path}: {exc.strerror}") from None
    if not key:
        raise ValueError(f"{EVENT_SINK_KEY_FILE_ENV}: {path} is empty")
    return key


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class EngineConfig:
    """Configuration of the engine's activities on one worker.

    Attributes:
        event_sink_url: Where ``emit`` POSTs CloudEvents (structured-mode JSON); None means no
            sink: the event is only logged and returned as the task output.
        event_sink_api_key: Sent to that sink only, as ``authorization: Bearer``; never shown.
        allow_run: Whether ``run: shell`` / ``run: script`` may execute processes on the worker.
        secret_resolver: Source of ``$secrets`` for activities.
        run_timeout_seconds: Wall-clock limit of one ``run`` process.
        python_executable: Interpreter used for ``run: script`` with ``language: python``.
        node_executable: Interpreter used for ``language: js``/``javascript`` (None: look up
            ``node`` on PATH when the script runs).
        network_policy: Addresses ``call: http/openapi/grpc`` and resource fetches may connect
            to (the ``emit`` sink, set by the operator, is exempt).
        file_resources_root: The directory ``file://`` / path resources (OpenAPI documents,
            protos, script sources) must resolve into, symlinks followed; None refuses them.
    """

    event_sink_url: str | None = None
    event_sink_api_key: str | None = field(default=None, repr=False)
    allow_run: bool = False
    secret_resolver: SecretResolver | None = None
    run_timeout_seconds: float = 300.0
    python_executable: str | None = None
    node_executable: str | None = None
    network_policy: NetworkPolicy = field(default_factory=NetworkPolicy)
    file_resources_root: Path | None = None

    @classmethod
    def from_env(cls, secret_resolver: SecretResolver | None = None) -> EngineConfig:
        """Build a config from the ``STIGMER_*`` variables named in this module.

        Raises:
            ValueError: A CIDR list does not parse, or local files are allowed without an
                existing root directory (the message names the setting).
        """
        return cls(
            event_sink_url=os.environ.get(EVENT_SINK_ENV) or None,
            event_sink_api_key=_key_file(os.environ.get(EVENT_SINK_KEY_FILE_ENV, "").strip()),
            allow_run=_env_flag(ALLOW_RUN_ENV),
            secret_resolver=secret_resolver,
            network_policy=NetworkPolicy.from_settings(
                os.environ.get(ALLOW_CIDRS_ENV, ""), os.environ.get(DENY_CIDRS_ENV, "")
            ),
            file_resources_root=_file_resources_root(),
        )


def _file_resources_root() -> Path | None:
    if not _env_flag(ALLOW_FILE_RESOURCES_ENV):
        return None
    root = os.environ.get(FILE_RESOURCES_ROOT_ENV, "").strip()
    if not root:
        raise ValueError(
            f"{ALLOW_FILE_RESOURCES_ENV} is on but {FILE_RESOURCES_ROOT_ENV} is not set"
        )
    path = Path(root).resolve()
    if not path.is_dir():
        raise ValueError(f"{FILE_RESOURCES_ROOT_ENV}: {root!r} is not a directory")
    return path


EXPRESSION_CPU_ENV = "STIGMER_EXPRESSION_CPU_SECONDS"
EXPRESSION_OUTPUT_ENV = "STIGMER_EXPRESSION_MAX_OUTPUT_BYTES"
EXPRESSION_MEMORY_ENV = "STIGMER_EXPRESSION_MAX_MEMORY_BYTES"
EXPRESSION_WORKERS_ENV = "STIGMER_EXPRESSION_WORKERS"


def _env_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a positive number, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"{name}: expected a positive number, got {raw!r}")
    return value


@dataclass(frozen=True)
class ExpressionBudget:
    """What one jq evaluation may use (workflow code, ``$secrets`` and ``listen`` alike).

    Attributes:
        cpu_seconds: CPU time of one evaluation. Keep it below 1.5 s: workflow code that does
            not yield for 2 s trips Temporal's deadlock detection.
        wall_slack_seconds: Wall-clock time allowed beyond ``cpu_seconds`` before a worker that
            does not get the CPU is stopped too.
        max_output_bytes: Size of the program's output as JSON text (all of its results).
        max_memory_bytes: Address space of a jq worker process (``RLIMIT_AS``); 0 for none.
        workers: jq worker processes per runner (concurrent evaluations).
    """

    cpu_seconds: float = limits.EXPRESSION_CPU_SECONDS
    wall_slack_seconds: float = 0.5
    max_output_bytes: int = limits.EXPRESSION_MAX_OUTPUT_BYTES
    max_memory_bytes: int = limits.EXPRESSION_MAX_MEMORY_BYTES
    workers: int = 4

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ExpressionBudget:
        """Read ``STIGMER_EXPRESSION_CPU_SECONDS``, ``..._MAX_OUTPUT_BYTES``,
        ``..._MAX_MEMORY_BYTES`` and ``STIGMER_EXPRESSION_WORKERS``.

        Raises:
            ValueError: A variable is not a positive number, named in the message.
        """
        env = os.environ if env is None else env
        default = cls()
        return cls(
            cpu_seconds=_env_number(env, EXPRESSION_CPU_ENV, default.cpu_seconds),
            max_output_bytes=int(_env_number(env, EXPRESSION_OUTPUT_ENV, default.max_output_bytes)),
            max_memory_bytes=int(_env_number(env, EXPRESSION_MEMORY_ENV, default.max_memory_bytes)),
            workers=max(1, int(_env_number(env, EXPRESSION_WORKERS_ENV, default.workers))),
        )
