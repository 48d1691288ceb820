"""Loopback HTTP stub: ``python -m stigmer_bench.stub`` prints ``PORT`` then serves.

Every GET answers ``{"id": 1, "name": "Rex"}``; it runs in a process of its own so that
neither side of a comparison shares a GIL with it.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_BODY = json.dumps({"id": 1, "name": "Rex", "species": "dog"}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(_BODY)))
        self.end_headers()
        self.wfile.write(_BODY)

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
