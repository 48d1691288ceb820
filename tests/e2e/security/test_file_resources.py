"""Local file resources through the real services: refused by default, read only under the
operator's root when opted in (``STIGMER_ALLOW_FILE_RESOURCES`` + ``STIGMER_FILE_RESOURCES_ROOT``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from tests.e2e.security.netpolicy_support import Stub, document, own_services, run, serve

pytestmark = pytest.mark.e2e

Phase = wex.ExecutionPhase


@pytest.fixture(scope="module")
def api() -> Iterator[Stub]:
    """The HTTP API the OpenAPI documents describe."""
    with serve(Stub(routes={"/pets/1": (200, {}, {"id": 1, "name": "Rex"})})) as stub:
        yield stub


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, api: Stub) -> Path:
    """``<tmp>/root`` holding the document, a symlink out of it, and a document outside it."""
    base = tmp_path_factory.mktemp("files")
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "pets", "version": "1"},
        "servers": [{"url": api.url}],
        "paths": {"/pets/1": {"get": {"operationId": "getPet", "responses": {"200": {}}}}},
    }
    (base / "outside.json").write_text(json.dumps(spec))
    inside = base / "root"
    inside.mkdir()
    (inside / "petstore.json").write_text(json.dumps(spec))
    (inside / "link.json").symlink_to(base / "outside.json")
    return inside


@pytest.fixture(scope="module")
def opted_in(service_env: dict[str, str], root: Path) -> Iterator[str]:
    """Services whose runner reads local files under ``root``."""
    settings = {"STIGMER_ALLOW_FILE_RESOURCES": "1", "STIGMER_FILE_RESOURCES_ROOT": str(root)}
    with own_services(service_env, settings) as endpoint:
        yield endpoint


def _call(endpoint_uri: str) -> str:
    task: dict[str, Any] = {
        "call": "openapi",
        "with": {"document": {"endpoint": endpoint_uri}, "operationId": "getPet"},
    }
    return document("files", [{"getPet": task}])


async def test_file_document_is_refused_by_default(stigmer_endpoint: str, root: Path) -> None:
    final = await run(stigmer_endpoint, _call(f"file://{root}/petstore.json"))
    assert final.status.phase == Phase.EXECUTION_FAILED
    details = final.status.error_details.to_dict()
    assert details["type"].endswith("/errors/configuration")
    assert details["title"] == "Local file resources are disabled"
    assert "STIGMER_ALLOW_FILE_RESOURCES=1" in details["detail"]


@pytest.mark.parametrize("uri", ["file://{root}/petstore.json", "file://petstore.json"])
async def test_file_document_under_the_root_is_read_when_opted_in(
    opted_in: str, root: Path, api: Stub, uri: str
) -> None:
    final = await run(opted_in, _call(uri.format(root=root)))
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    assert final.status.output.to_dict() == {"id": 1, "name": "Rex"}


@pytest.mark.parametrize(
    "uri", ["file://{root}/../outside.json", "file://{root}/link.json", "file://link.json"]
)
async def test_a_path_escaping_the_root_is_refused(opted_in: str, root: Path, uri: str) -> None:
    final = await run(opted_in, _call(uri.format(root=root)))
    assert final.status.phase == Phase.EXECUTION_FAILED
    details = final.status.error_details.to_dict()
    assert details["type"].endswith("/errors/authorization")
    assert details["status"] == 403
    assert details["title"] == "File resource outside the allowed directory"
