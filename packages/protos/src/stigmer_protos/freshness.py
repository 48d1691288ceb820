"""Detect generated code that is older than the .proto sources of an editable checkout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
HASH_FILE = PACKAGE_DIR / "_generated.sha256"
CHECKOUT = PACKAGE_DIR.parent.parent  # packages/protos in an editable install


def stale_reason() -> str | None:
    """Explain why the generated code is stale, or return None when it is current.

    Only meaningful in an editable checkout (the .proto sources next to the package); an
    installed wheel is always considered current.
    """
    hook = CHECKOUT / "hatch_build.py"
    if not (CHECKOUT / "proto").is_dir() or not hook.exists():
        return None
    spec = importlib.util.spec_from_file_location("_stigmer_protos_build", hook)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorded = HASH_FILE.read_text().strip() if HASH_FILE.exists() else ""
    if recorded != module.sources_digest():
        return (
            "generated proto code is stale or missing: the .proto sources changed since it was "
            "generated; run `hatch run protos`"
        )
    return None
