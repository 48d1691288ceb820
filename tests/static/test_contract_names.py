"""Cross-service contract names have one home: ``stigmer_protos.temporal_names`` / ``.contract``.

Derived from the source files with ``ast``: a string constant spelling a contract name anywhere
else in the code (services, libraries, bench, deploy scripts; tests excluded) is a copy, and so
is a literal collection spelling all the terminal phases (in any case, with or without the
``EXECUTION_`` prefix): use ``contract.TERMINAL_PHASES``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from stigmer_protos import contract, temporal_names

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
TERMINAL = {p.name.lower().removeprefix("execution_") for p in contract.TERMINAL_PHASES}
GENERATED = ("stigmer_protos/ai/", "stigmer_protos/google/")
# The Python class implementing the interpreter is named like its workflow type; a module's
# lazily exported attribute names (``_LAZY`` keys, ``__all__``) are Python names, not copies.
EXPORT_LISTS = ("__all__", "_LAZY")


def _sources() -> list[Path]:
    roots = [*ROOT.glob("packages/*/src"), *ROOT.glob("services/*/src"), ROOT / "bench/src"]
    found = [p for root in roots for p in root.rglob("*.py")]
    found += list((ROOT / "deploy").rglob("*.py"))
    return [p for p in found if not any(g in p.as_posix() for g in GENERATED)]


def _spells_terminal_phases(node: ast.AST) -> bool:
    if not isinstance(node, ast.Set | ast.List | ast.Tuple):
        return False
    spelt = {
        e.value.lower().removeprefix("execution_")
        for e in node.elts
        if isinstance(e, ast.Constant) and isinstance(e.value, str)
    }
    return spelt >= TERMINAL


def test_terminal_phase_copies_are_recognised() -> None:
    assert {"completed", "failed", "cancelled"} == TERMINAL
    for source in (
        'frozenset({"completed", "failed", "cancelled"})',
        '("EXECUTION_FAILED", "EXECUTION_CANCELLED", "EXECUTION_COMPLETED")',
    ):
        assert any(_spells_terminal_phases(n) for n in ast.walk(ast.parse(source)))
    assert not any(
        _spells_terminal_phases(n) for n in ast.walk(ast.parse('{"completed", "failed"}'))
    )


def test_terminal_phases_are_spelt_in_one_place() -> None:
    copies = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _sources()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if _spells_terminal_phases(node)
    ]
    assert copies == []


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
