"""The soak's counting HTTP stub: every request counted by path, one endpoint flaky per key."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from stigmer_testing.http_stub import QuietHandler, serve_http

from stigmer_bench.soak.workload import FLAKY_FAILURES


@dataclass
class Counts:
    """Requests seen per path (thread-safe)."""

    seen: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str) -> int:
        """Count one request of ``path``; return how many there were so far."""
        with self.lock:
            self.seen[path] += 1
            return self.seen[path]

    def snapshot(self) -> Counter[str]:
        """A copy of the counts."""
        with self.lock:
            return Counter(self.seen)


def _handler(counts: Counts) -> type[QuietHandler]:
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            n = counts.add(path)
            parts = path.strip("/").split("/")
            status = 200
            if parts[0] == "flaky" and n <= FLAKY_FAILURES:
                status = 503
            body = {"key": parts[1] if len(parts) > 1 else "", "task": parts[-1], "n": n}
            with contextlib.suppress(OSError):  # the caller was killed
                self.reply(status, json.dumps(body).encode())

    return Handler


@contextmanager
def counting_stub() -> Iterator[tuple[str, Counts]]:
    """Serve the stub on a loopback port; yield its base URL and its counts.

    ``/hit/<key>/<task>`` answers 200 ``{"key", "task", "n"}``; ``/flaky/<key>`` answers 503
    to its first :data:`FLAKY_FAILURES` requests per key, then 200.
    """
    counts = Counts()
    with serve_http(_handler(counts)) as url:
        yield url, counts
