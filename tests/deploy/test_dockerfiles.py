"""The service images' Dockerfiles: hadolint, and the properties the deployment relies on."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

SERVICES = ("stigmer-server", "workflow-runner")
OCI_LABELS = (
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.licenses",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.created",
    "org.opencontainers.image.source",
)
BUILD_TOOLS = (
    "gcc",
    "build-essential",
    "g++",
    "make",
    "git",
    "grpcio-tools",
    "betterproto2-compiler",
)


def test_hadolint(dp: Any) -> None:
    hadolint = dp.find_binary("hadolint")
    files = [str(dp.dockerfile(s)) for s in SERVICES]
    result = subprocess.run(
        [hadolint, "--no-color", "--config", str(dp.DOCKER / "hadolint.yaml"), *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_multi_stage_slim_runtime(dp: Any, service: str) -> None:
    stages = dp.parse_dockerfile(dp.dockerfile(service))
    assert [s.name for s in stages] == ["build", "runtime"]
    build, runtime = stages
    assert build.base == runtime.base == "python:3.11-slim-bookworm"
    # The build stage makes wheels of the workspace members (the protos wheel generates its
    # code there) and installs them from the wheel directory only.
    run = " ".join(build.all("RUN"))
    assert "pip wheel" in run and "--no-index" in run and f"./services/{service}" in run
    # The runtime gets the virtualenv and nothing else from the build stage.
    copies = runtime.all("COPY")
    assert [c for c in copies if c.startswith("--from=")] == [
        "--from=build /opt/stigmer /opt/stigmer"
    ]
    runtime_text = " ".join(args for _, args in runtime.instructions)
    for tool in BUILD_TOOLS:
        assert f" {tool}" not in runtime_text, f"{tool} in the runtime stage"
    assert "pip install" not in runtime_text


@pytest.mark.parametrize("service", SERVICES)
def test_runtime_conventions(dp: Any, service: str) -> None:
    runtime = dp.parse_dockerfile(dp.dockerfile(service))[-1]
    user = runtime.all("USER")
    assert user and user[-1].split(":")[0] not in ("0", "root"), "runs as root"
    labels = " ".join(runtime.all("LABEL"))
    for label in OCI_LABELS:
        assert f"{label}=" in labels
    assert runtime.env()["PYTHONUNBUFFERED"] == "1"
    entry = runtime.exec_form("ENTRYPOINT")
    assert entry[-1] == service, "the entry point is the service's console script"
    check = runtime.exec_form("HEALTHCHECK")
    assert check[0] == "python" and check[1].startswith("/opt/stigmer/libexec/")
    # Everything the image copies from the context exists and is let through .dockerignore.
    for args in runtime.all("COPY"):
        if not args.startswith("--from="):
            src = args.split()[0]
            assert (dp.ROOT / src).exists(), src


def test_dockerignore_keeps_generated_code_out(dp: Any) -> None:
    lines = {
        ln.strip() for ln in (dp.ROOT / ".dockerignore").read_text().splitlines() if ln.strip()
    }
    assert "**" in lines and "!packages/" in lines and "!services/" in lines
    for generated in ("ai/", "google/", "message_pool.py", "_generated.sha256"):
        assert f"packages/protos/src/stigmer_protos/{generated}" in lines


@pytest.mark.parametrize("service", SERVICES)
def test_declared_dependencies_cover_imports(dp: Any, service: str) -> None:
    """The image installs only what the service's pyproject declares: every distribution
    its code imports must be declared there (or come with one that is)."""
    import ast
    import importlib.metadata as md
    import re
    import sys
    import tomllib

    project = dp.ROOT / "services" / service
    declared = {
        re.split(r"[\s\[=<>;!~]", dep, maxsplit=1)[0].lower().replace("_", "-")
        for dep in tomllib.loads((project / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
    }
    closure = set(declared)
    todo = list(declared)
    while todo:
        try:
            requires = md.requires(todo.pop()) or []
        except md.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" in req:
                continue
            name = re.split(r"[\s\[=<>;!~(]", req, maxsplit=1)[0].lower().replace("_", "-")
            if name not in closure:
                closure.add(name)
                todo.append(name)
    own = project.name.replace("-", "_")
    providers = md.packages_distributions()
    missing: dict[str, str] = {}
    for path in (project / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            for module in modules:
                top = module.split(".")[0]
                if top == own or top in sys.stdlib_module_names:
                    continue
                dists = {d.lower().replace("_", "-") for d in providers.get(top, [])}
                if dists and not dists & closure:
                    missing[top] = (
                        f"{path.relative_to(dp.ROOT)} imports {top} ({', '.join(sorted(dists))})"
                    )
    assert not missing, "not declared in pyproject.toml:\n" + "\n".join(missing.values())
