"""Temporal histories as searchable text."""

from __future__ import annotations

import base64
from typing import Any


def decoded_history(node: Any) -> str:
    """Every string of a history's JSON, payload ``data`` (base64 in the JSON) decoded.

    Args:
        node: The history as parsed JSON (``temporal workflow show -o json`` or
            ``WorkflowHistory.to_json``), or any part of it.

    Returns:
        All strings joined by newlines; data that is not base64 is kept as it is.
    """
    if isinstance(node, dict):
        parts = [decoded_history(v) for k, v in node.items() if k != "data"]
        data = node.get("data")
        if isinstance(data, str):
            try:
                parts.append(base64.b64decode(data).decode("utf-8", "replace"))
            except ValueError:
                parts.append(data)
        return "\n".join(parts)
    if isinstance(node, list):
        return "\n".join(decoded_history(v) for v in node)
    return str(node)
