"""Keys that encrypt secret values at rest (stigmer-server's ``STIGMER_SECRETS_KEYS``)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

KEYS_SETTING = "STIGMER_SECRETS_KEYS"
KEYS_FILE_SETTING = "STIGMER_SECRETS_KEYS_FILE"


def new_secrets_key(key_id: str) -> str:
    """A fresh keyring entry ``<key id>:<base64 of 32 random bytes>``."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def ensure_keys_file(path: Path, key_id: str = "devstack") -> Path:
    """Create ``path`` with one fresh key (owner-only) unless it exists; return it.

    The stack's data directory keeps the file, so secrets stored in its Redis (AOF) still
    decrypt after a restart.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_secrets_key(key_id) + "\n")
    return path
