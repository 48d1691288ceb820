"""Cross-service contract names have one home: ``stigmer_protos.temporal_names`` / ``.contract``.

Derived from the source files with ``ast``: a string constant spelling a contract name anywhere
else in the code (services, libraries, bench, deploy scripts; tests excluded) is a copy.
"""

from __future__ import annotations

import ast
from pathlib import Path

from stigmer_protos import temporal_names

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "packages/protos/src/stigmer_protos/temporal_names.py"
NAMES = {
    temporal_names.EXECUTE_WORKFLOW_ACTIVITY,
    temporal_names.UPDATE_STATUS_ACTIVITY,
    temporal_names.ENGINE_WORKFLOW_NAME,
    temporal_names.REPORT_PROGRESS_ACTIVITY,
    temporal_names.DEFAULT_RUNNER_TASK_QUEUE,
    temporal_names.DEFAULT_STIGMER_TASK_QUEUE,
}
GENERATED = ("stigmer_protos/ai/", "stigmer_protos/google/")
# The Python class implementing the interpreter is named like its workflow type; a module's
# lazily exported attribute names (``_LAZY`` keys, ``__all__``) are Python names, not copies.
EXPORT_LISTS = ("__all__", "_LAZY")


def _sources() -> list[Path]:
    roots = [*ROOT.glob("packages/*/src"), *ROOT.glob("services/*/src"), ROOT / "bench/src"]
    found = [p for root in roots for p in root.rglob("*.py")]
    found += list((ROOT / "deploy").rglob("*.py"))
    return [p for p in found if not any(g in p.as_posix() for g in GENERATED)]


def test_sources_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert "services/stigmer-server/src/stigmer_server/workflowexecution/temporal/names.py" in names
    assert "deploy/docker/run_example.py" in names


def test_contract_names_are_spelt_in_one_place() -> None:
    copies = []
    for path in _sources():
        if path == HOME:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        exported = {
            id(constant)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign | ast.AnnAssign)
            and any(
                isinstance(t, ast.Name) and t.id in EXPORT_LISTS
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
            and node.value is not None
            for constant in ast.walk(node.value)
            if isinstance(constant, ast.Constant)
        }
        for node in ast.walk(tree):
            if id(node) in exported:
                continue
            if isinstance(node, ast.Constant) and node.value in NAMES:
                copies.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert copies == []
