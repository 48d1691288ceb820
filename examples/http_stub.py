"""A tiny local HTTP API for the http-fetch example: ``python examples/http_stub.py [PORT]``.

``GET /pets/{id}`` returns a pet as JSON (404 for unknown ids); ``GET /health`` returns ok.
It prints ``listening on http://127.0.0.1:PORT`` once ready (port 0 picks a free one).
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PETS = {
    "1": {"id": 1, "name": "Rex", "species": "dog", "tags": ["good", "loud"]},
    "2": {"id": 2, "name": "Tom", "species": "cat", "tags": ["independent"]},
    "3": {"id": 3, "name": "Nemo", "species": "fish", "tags": []},
}


class Handler(BaseHTTPRequestHandler):
    """Serves the pets and the health check."""

    def do_GET(self) -> None:
        """Answer one GET request with JSON."""
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts == ["health"]:
            self._reply(200, {"status": "ok"})
        elif len(parts) == 2 and parts[0] == "pets" and parts[1] in PETS:
            self._reply(200, PETS[parts[1]])
        else:
            self._reply(404, {"title": "not found", "path": self.path})

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


def main() -> None:
    """Serve until interrupted."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
