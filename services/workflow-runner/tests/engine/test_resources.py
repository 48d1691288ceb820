"""Local resources: refused without a root, confined to it with one (``..``, symlinks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from workflow_runner.engine import EngineConfig
from workflow_runner.engine.activities.resources import checked_path, fetch_text


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "outside.txt").write_text("secret")
    inside = tmp_path / "root"
    (inside / "sub").mkdir(parents=True)
    (inside / "sub" / "a.txt").write_text("hello")
    (inside / "out").symlink_to(tmp_path / "outside.txt")
    return inside


def _refusal(uri: str, root: Path | None) -> dict[str, object]:
    with pytest.raises(ApplicationError) as caught:
        checked_path(uri, root)
    details = caught.value.details[0]
    assert isinstance(details, dict)
    return details


def test_http_resources_are_not_local(root: Path) -> None:
    assert checked_path("https://example.test/a.yaml", None) is None


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "/etc/passwd", "file://sub/a.txt"])
def test_local_files_are_refused_without_a_root(uri: str) -> None:
    details = _refusal(uri, None)
    assert details["title"] == "Local file resources are disabled"
    assert "STIGMER_ALLOW_FILE_RESOURCES=1" in str(details["detail"])


@pytest.mark.parametrize(
    "uri", ["file://sub/a.txt", "sub/a.txt", "file://{root}/sub/a.txt", "{root}/sub/../sub/a.txt"]
)
async def test_files_under_the_root_are_read(root: Path, uri: str) -> None:
    config = EngineConfig(file_resources_root=root)
    assert await fetch_text(uri.format(root=root), config) == "hello"


@pytest.mark.parametrize(
    "uri", ["file://{root}/../outside.txt", "../outside.txt", "out", "/etc/passwd"]
)
def test_paths_leaving_the_root_are_refused(root: Path, uri: str) -> None:
    details = _refusal(uri.format(root=root), root)
    assert (details["status"], details["title"]) == (
        403,
        "File resource outside the allowed directory",
    )
