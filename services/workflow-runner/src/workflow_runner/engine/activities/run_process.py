"""The ``run: shell`` / ``run: script`` activity: one process on the worker host."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.exceptions import ApplicationError

from workflow_runner.engine import secrets as secret_values
from workflow_runner.engine.activities.resources import endpoint_uri, fetch_text
from workflow_runner.engine.config import ALLOW_RUN_ENV, EngineConfig
from workflow_runner.engine.secrets import SecretSite

_ESM_IMPORT = re.compile(r"^\s*(import|export)\s", re.MULTILINE)


@dataclass(frozen=True)
class RunRequest:
    """An evaluated shell command or script.

    Attributes:
        kind: ``shell`` or ``script``.
        command: The shell command (``shell``).
        language: ``python``, ``js`` or ``javascript`` (``script``).
        code: Inline script code.
        source: ``externalResource`` of the script when ``code`` is absent.
        arguments: argv after the command/script (``$1``... for shell); a map gives
            ``name=value`` arguments. None at its secret sites.
        environment: Extra environment variables (None at its secret sites).
        stdin: Standard input text, if any.
        secret_scope: Scope of the ``$secrets`` expressions.
        execution_id: Informational only (kept for compatibility): secrets are those of the
            execution whose interpreter workflow scheduled the activity.
        secret_names: ``use.secrets``.
        secret_sites: Where the activity puts secrets (from the document, never data).
    """

    kind: str
    command: str = ""
    language: str = ""
    code: str | None = None
    source: Any = None
    arguments: list[Any] | dict[str, Any] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    stdin: Any = None
    secret_scope: dict[str, Any] | None = None
    execution_id: str = ""
    secret_names: list[str] | None = None
    secret_sites: list[SecretSite] = field(default_factory=list)


@dataclass(frozen=True)
class ProcessResult:
    """The DSL ``processResult``: exit code, stdout and stderr."""

    code: int
    stdout: str
    stderr: str


def _error(kind: str, status: int, title: str, detail: str) -> ApplicationError:
    return secret_values.to_application_error(
        {
            "type": f"https://serverlessworkflow.io/spec/1.0.0/errors/{kind}",
            "status": status,
            "title": title,
            "detail": detail,
        }
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _interpreter(config: EngineConfig, language: str) -> list[str]:
    if language == "python":
        return [config.python_executable or sys.executable]
    if language in ("js", "javascript"):
        node = config.node_executable or shutil.which("node")
        if node is None:
            raise _error(
                "configuration", 400, "Script language unavailable", "node is not installed"
            )
        return [node]
    raise _error(
        "configuration",
        400,
        "Unsupported script language",
        f"language {language!r} (use js or python)",
    )


async def run_process(
    config: EngineConfig, request: RunRequest, secrets: dict[str, Any]
) -> ProcessResult:
    """Run the process with a timeout and return its result whatever the exit code.

    Raises:
        ApplicationError: ``run`` is not allowed on this worker, the language is unavailable,
            or the process timed out.
    """
    if not config.allow_run:
        raise _error(
            "configuration",
            400,
            "Run tasks are disabled",
            "this worker does not allow run: shell/script (EngineConfig.allow_run or "
            f"{ALLOW_RUN_ENV}=1)",
        )

    def resolved(value: Any, field: str) -> Any:
        return secret_values.resolve(
            value, field, request.secret_sites, request.secret_scope, secrets
        )

    given = resolved(request.arguments, "arguments")
    if isinstance(given, dict):  # some documents give arguments as a map
        given = [f"{k}={_text(v)}" for k, v in given.items()]
    arguments = [_text(a) for a in given]
    environment = {
        str(k): _text(v) for k, v in resolved(request.environment, "environment").items()
    }
    stdin = resolved(request.stdin, "stdin")
    with tempfile.TemporaryDirectory(prefix="sw-run-") as workdir:
        if request.kind == "shell":
            argv = ["/bin/sh", "-c", request.command, "sh", *arguments]
        else:
            code = request.code
            if code is None:
                code = await fetch_text(endpoint_uri(request.source), config)
            language = request.language.lower()
            suffix = (
                ".py" if language == "python" else (".mjs" if _ESM_IMPORT.search(code) else ".cjs")
            )
            script = Path(workdir) / f"script{suffix}"
            script.write_text(code)
            argv = [*_interpreter(config, language), str(script), *arguments]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=workdir,
            env={**os.environ, **environment},
        )
        data = None if stdin is None else _text(stdin).encode()
        try:
            out, err = await asyncio.wait_for(
                process.communicate(data), timeout=config.run_timeout_seconds
            )
        except TimeoutError:
            process.kill()
            await process.wait()
            raise _error(
                "timeout",
                408,
                "Process timed out",
                f"the process ran longer than {config.run_timeout_seconds:g}s",
            ) from None
    return ProcessResult(
        code=process.returncode if process.returncode is not None else -1,
        stdout=out.decode(errors="replace"),
        stderr=err.decode(errors="replace"),
    )
