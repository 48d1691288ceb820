"""The official examples: every file validates against the DSL schema; the engine either loads
it or rejects it with problems that each name a JSON pointer (never silently)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_dsl.schema_validation import dsl_schema_problems
from stigmer_dsl.yaml_io import parse_yaml

from .conftest import spec_dir

EXAMPLES = spec_dir() / "examples"
if not EXAMPLES.exists():
    pytest.skip(f"examples not found at {EXAMPLES}", allow_module_level=True)

FILES = sorted(EXAMPLES.glob("*.yaml"))


def test_corpus_size() -> None:
    assert len(FILES) == 66


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in FILES])
def test_example_validates(path: Path, record_property: Any) -> None:
    document = parse_yaml(path.read_text())
    assert dsl_schema_problems(document) == []
    try:
        load_workflow(path.read_text())
    except DefinitionError as exc:
        for problem in exc.problems:
            assert problem.startswith("/"), problem
        record_property("engine", "rejected: " + "; ".join(exc.problems))
    else:
        record_property("engine", "loads")
