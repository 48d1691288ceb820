"""How data becomes text of an HTTP request: URI templates, query and header values.

One rule for every HTTP-shaped call (``call: http``, ``call: openapi``): a non-string value is
written as JSON spells it (``true``, ``false``, ``3``, ``1.5``, compact objects and arrays), and
``null`` is left out. URI templates are expanded per RFC 6570 (simple string expansion, which
percent-encodes everything but unreserved characters), so data cannot add path segments, a
query or a fragment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stigmer_dsl.errors import make_error
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import uritemplate


def json_text(value: Any) -> str | None:
    """The text of ``value`` on the wire: strings as is, other values in JSON; None for null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def text_values(values: Any) -> dict[str, str]:
    """Query or header values as text (:func:`json_text`), null values left out."""
    if not isinstance(values, Mapping):
        return {}
    out: dict[str, str] = {}
    for key, value in values.items():
        text = json_text(value)
        if text is not None:
            out[str(key)] = text
    return out


def expand_uri_template(uri: str, data: Any) -> str:
    """Expand an RFC 6570 URI template with the top-level properties of ``data``.

    A variable names a property verbatim (``{pet.id}`` is the property ``"pet.id"``); a missing
    or null one expands to nothing.

    Raises:
        WorkflowError: A referenced value is an object or array (expression error, 400).
    """
    template = uritemplate.URITemplate(uri)
    properties = data if isinstance(data, Mapping) else {}
    variables: dict[str, Any] = {}
    for name in template.variable_names:
        value = properties.get(name)
        if isinstance(value, Mapping | list):
            raise make_error(
                "expression",
                f"URI template variable {name!r} must be a string, number, boolean or null",
                title="Invalid URI template value",
            )
        text = json_text(value)
        if text is not None:
            variables[name] = text
    return str(template.expand(variables))
