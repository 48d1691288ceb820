"""Libraries do not import services: nothing under packages/ imports a service package.

Derived from the source files with ``ast`` (imports inside functions count too), so an import
added anywhere in a library's code fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("workflow_runner", "stigmer_server")
# Generated protobuf modules import only their own package.
GENERATED = ("ai", "google")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _library_sources() -> list[Path]:
    sources = []
    for path in sorted((ROOT / "packages").glob("*/**/*.py")):
        parts = path.relative_to(ROOT / "packages").parts
        if any(part in GENERATED for part in parts[3:4]) or "__pycache__" in parts:
            continue
        sources.append(path)
    return sources


def test_libraries_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _library_sources()}
    assert "packages/dsl/src/stigmer_dsl/loader.py" in names
    assert "packages/cli/src/stigmer_cli/commands/validate.py" in names


def test_no_library_imports_a_service() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in _library_sources()
        for module in sorted(_imported_modules(path))
        if module.split(".")[0] in SERVICES
    ]
    assert offenders == []
