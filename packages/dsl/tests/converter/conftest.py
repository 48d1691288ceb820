"""Shared fixtures for the converter tests: the DSL spec corpus and schema validation."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from stigmer_dsl.converter.values import normalize
from stigmer_dsl.converter.yaml_io import load_yaml

# <repo>/../shared/spec, as in CI (a clone with ../shared beside it).
SPEC_DIR = Path(__file__).resolve().parents[4].parent / "shared" / "spec"
SCHEMA_PATH = SPEC_DIR / "schema" / "workflow.yaml"


@dataclass(frozen=True)
class Workflow:
    """One DSL workflow of the corpus."""

    id: str
    text: str


def example_workflows() -> list[Workflow]:
    """Every file of spec/examples (empty when the spec corpus is absent)."""
    examples = SPEC_DIR / "examples"
    if not examples.is_dir():
        return []
    return [
        Workflow(f"examples/{path.name}", path.read_text(encoding="utf-8"))
        for path in sorted(examples.glob("*.y*ml"))
    ]


_DOCSTRING = re.compile(r'^(?P<indent>[ \t]*)"""yaml\n(?P<body>.*?)^[ \t]*"""', re.M | re.S)


def ctk_workflows() -> list[Workflow]:
    """Every workflow docstring (one with a ``document:``) of spec/ctk/features/*.feature."""
    features = SPEC_DIR / "ctk" / "features"
    if not features.is_dir():
        return []
    result: list[Workflow] = []
    for path in sorted(features.glob("*.feature")):
        text = path.read_text(encoding="utf-8")
        for match in _DOCSTRING.finditer(text):
            body = textwrap.dedent(match["body"])
            if not re.search(r"^document:", body, re.M):
                continue
            scenario = "?"
            for line in text[: match.start()].splitlines():
                if line.strip().startswith("Scenario"):
                    scenario = line.split(":", 1)[1].strip()
            result.append(Workflow(f"ctk/{path.stem}: {scenario}", body))
    return result


def canon(value: Any) -> str:
    """A strict canonical form: tells 1 from true and from "1", ignores 1 vs 1.0."""
    return json.dumps(normalize(value), sort_keys=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``corpus_workflow`` over every example and CTK workflow."""
    if "corpus_workflow" in metafunc.fixturenames:
        corpus = example_workflows() + ctk_workflows()
        if not corpus:
            pytest.skip(f"spec corpus not found at {SPEC_DIR} (needs ../shared/spec)")
        metafunc.parametrize("corpus_workflow", corpus, ids=[w.id for w in corpus])


@pytest.fixture(name="canon")
def canon_fixture() -> Callable[[Any], str]:
    """The strict canonical-form function, for comparing DSL structures."""
    return canon


@pytest.fixture(scope="session")
def corpus() -> list[Workflow]:
    """All example and CTK workflows."""
    return example_workflows() + ctk_workflows()


@pytest.fixture(scope="session")
def validate_dsl() -> Callable[[dict[str, Any]], list[str]]:
    """Return a function giving the schema errors of a DSL document (empty when valid)."""
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"DSL schema not found at {SCHEMA_PATH} (needs ../shared/spec beside the repo)")
    # YAML 1.2 loading: the schema has keys such as `on` that PyYAML 1.1 reads as booleans.
    schema = load_yaml(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(schema)

    def validate(document: dict[str, Any]) -> list[str]:
        return [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(document)]

    return validate
