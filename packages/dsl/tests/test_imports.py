"""The library stays a library: importing it loads no Temporal, gRPC or HTTP client."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_SERVICE_MODULES = ("temporalio", "grpc", "httpx", "workflow_runner", "stigmer_server")


def _loaded_after(statement: str) -> list[str]:
    probe = (
        "import json, sys\n"
        f"{statement}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize(
    "statement",
    [
        "import stigmer_dsl",
        "from stigmer_dsl import load_workflow; load_workflow(\"document: {dsl: '1.0.3', "
        "namespace: t, name: n, version: '1.0.0'}\\ndo: [{a: {set: {x: '${ .y }'}}}]\")",
    ],
)
def test_the_library_imports_no_service_stack(statement: str) -> None:
    loaded = _loaded_after(statement)
    assert "stigmer_dsl" in loaded
    assert [m for m in _SERVICE_MODULES if m in loaded] == []


def test_the_converter_imports_no_temporal_or_http_client() -> None:
    # The generated message modules import grpc for their service stubs; nothing else may come.
    loaded = _loaded_after("import stigmer_dsl.converter")
    assert [
        m for m in ("temporalio", "httpx", "workflow_runner", "stigmer_server") if m in loaded
    ] == []
