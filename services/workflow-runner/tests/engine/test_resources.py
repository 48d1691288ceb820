"""Local resources: refused without a root, confined to it with one (``..``, symlinks); every
resource bounded in size."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from stigmer_protos.limits import MAX_DOCUMENT_BYTES
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


class _Sized(BaseHTTPRequestHandler):
    """Answers ``/<n>`` with ``n`` bytes, chunked (no Content-Length to trust)."""

    def do_GET(self) -> None:
        size = int(self.path.strip("/"))
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"a" * 65536
        sent = 0
        try:
            while sent < size:
                part = chunk[: size - sent]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                sent += len(part)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the reader stopped early, as it should

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sized_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _too_large(caught: pytest.ExceptionInfo[ApplicationError]) -> None:
    details = caught.value.details[0]
    assert isinstance(details, dict)
    assert details["title"] == "External resource too large"
    assert f"larger than {MAX_DOCUMENT_BYTES} bytes" in str(details["detail"])


async def test_a_remote_resource_is_read_up_to_the_document_limit(sized_server: str) -> None:
    config = EngineConfig()
    text = await fetch_text(f"{sized_server}/{MAX_DOCUMENT_BYTES}", config)
    assert len(text) == MAX_DOCUMENT_BYTES
    with pytest.raises(ApplicationError) as caught:
        await fetch_text(f"{sized_server}/{50 * MAX_DOCUMENT_BYTES}", config)
    _too_large(caught)


async def test_a_local_resource_larger_than_the_limit_is_refused(root: Path) -> None:
    (root / "big.yaml").write_bytes(b"a" * (MAX_DOCUMENT_BYTES + 1))
    with pytest.raises(ApplicationError) as caught:
        await fetch_text("big.yaml", EngineConfig(file_resources_root=root))
    _too_large(caught)
