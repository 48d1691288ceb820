"""A loopback HTTP stub serving the shapes of the CTK's external hosts (petstore, httpbin).

Routes (one server for both hosts, their paths do not collide):

- ``GET /v2/pet/findByStatus?status=s``: pets with that status (JSON array).
- ``GET /v2/pet/{id}`` (numeric id): one pet; any other ``/v2/pet/...`` path: 404.
- ``GET /v2/swagger.json``: a Swagger 2.0 document (``findPetsByStatus``, ``getPetById``)
  whose ``host`` is the stub itself.
- ``GET /basic-auth/{user}/{password}``: 200 when the Basic credentials match, else 401.
- ``POST /events``: records a CloudEvent (the emit sink); ``GET /events`` lists them.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PETS: tuple[dict[str, Any], ...] = (
    {"id": 1, "name": "Milou", "status": "available", "photoUrls": [], "tags": []},
    {"id": 2, "name": "Rantanplan", "status": "available", "photoUrls": [], "tags": []},
    {"id": 3, "name": "Idefix", "status": "sold", "photoUrls": [], "tags": []},
)


def swagger_document(host: str) -> dict[str, Any]:
    """A Swagger 2.0 petstore subset pointing at ``host`` over plain HTTP."""
    pet_ref = {"$ref": "#/definitions/Pet"}
    return {
        "swagger": "2.0",
        "info": {"title": "Swagger Petstore (stub)", "version": "1.0.7"},
        "host": host,
        "basePath": "/v2",
        "schemes": ["http"],
        "paths": {
            "/pet/findByStatus": {
                "get": {
                    "operationId": "findPetsByStatus",
                    "produces": ["application/json"],
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "required": True,
                            "type": "array",
                            "items": {"type": "string"},
                            "collectionFormat": "multi",
                        }
                    ],
                    "responses": {"200": {"schema": {"type": "array", "items": pet_ref}}},
                }
            },
            "/pet/{petId}": {
                "get": {
                    "operationId": "getPetById",
                    "produces": ["application/json"],
                    "parameters": [
                        {
                            "name": "petId",
                            "in": "path",
                            "required": True,
                            "type": "integer",
                            "format": "int64",
                        }
                    ],
                    "responses": {"200": {"schema": pet_ref}, "404": {}},
                }
            },
        },
        "definitions": {"Pet": {"type": "object"}},
    }


@dataclass
class StubState:
    """What the stub recorded: CloudEvents posted to ``/events`` and request headers seen."""

    events: list[Any] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    state: StubState

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.state.headers.append(dict(self.headers.items()))
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        if url.path == "/v2/swagger.json":
            self._reply(200, swagger_document(self.headers.get("Host", "127.0.0.1")))
        elif url.path == "/v2/pet/findByStatus":
            wanted = parse_qs(url.query).get("status", ["available"])
            self._reply(200, [p for p in PETS if p["status"] in wanted])
        elif len(parts) == 3 and parts[:2] == ["v2", "pet"] and parts[2].isdigit():
            pet = next((p for p in PETS if p["id"] == int(parts[2])), None)
            self._reply(200 if pet else 404, pet or {"code": 1, "message": "Pet not found"})
        elif len(parts) == 3 and parts[0] == "basic-auth":
            expected = base64.b64encode(f"{parts[1]}:{parts[2]}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {expected}":
                self._reply(200, {"authenticated": True, "user": parts[1]})
            else:
                self._reply(401, {"authenticated": False})
        elif url.path == "/events":
            self._reply(200, self.state.events)
        elif url.path == "/headers":
            self._reply(200, {"headers": dict(self.headers.items())})
        else:
            self._reply(404, {"code": 1, "message": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"null")
        if urlsplit(self.path).path == "/events":
            self.state.events.append(body)
            self._reply(202, {"accepted": True})
        else:
            self._reply(200, {"received": body, "headers": dict(self.headers.items())})


class StubServer:
    """The stub on a free loopback port, served from a daemon thread."""

    def __init__(self) -> None:
        """Bind to ``127.0.0.1:0`` (not started yet)."""
        self.state = StubState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StubServer:
        """Start serving; return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
