"""Fetch an output the record holds by reference, so the user sees it whole (ADR 0033)."""

from __future__ import annotations

import dataclasses
import json

from stigmer_cli.client import StigmerClient
from stigmer_cli.render.model import ExecutionView


def with_full_output(client: StigmerClient, view: ExecutionView) -> ExecutionView:
    """``view`` with its output fetched through ``getValue`` when the record references it."""
    if not view.output_reference:
        return view
    text = client.get_value(view.id, view.output_reference)
    return dataclasses.replace(view, output=json.loads(text), output_reference="")
