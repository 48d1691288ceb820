"""Loopback HTTP stub: ``python -m stigmer_bench.stub`` prints ``PORT`` then serves.

Every GET answers ``{"id": 1, "name": "Rex"}``, except ``/bytes/<n>``: a JSON document of
about ``n`` bytes (``{"items": [...]}``), for the large-payload scenario. It runs in a process of its own so that
neither side of a comparison shares a GIL with it.
"""

from __future__ import annotations

import functools
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_BODY = json.dumps({"id": 1, "name": "Rex", "species": "dog"}).encode()


@functools.cache
def _sized(size: int) -> bytes:
    """A JSON document of about ``size`` bytes: 500-byte items, each with its own id."""
    item = 500
    items = [{"id": i, "text": f"{i:08d}" + "x" * (item - 30)} for i in range(max(1, size // item))]
    return json.dumps({"items": items}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = (
            _sized(int(self.path.rsplit("/", 1)[1])) if self.path.startswith("/bytes/") else _BODY
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


def main() -> int:
    """Serve on a free loopback port until killed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
