"""Parsing --input, --env and --secret."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from stigmer_dsl.converter import load_yaml
from stigmer_protos.ai.stigmer.agentic.executioncontext import v1 as ec
from stigmer_protos.limits import MAX_INPUT_BYTES

from stigmer_cli.errors import UsageError


def parse_input(raw: str | None, option: str = "--input") -> dict[str, Any] | None:
    """A JSON object from ``JSON`` text or ``@file`` (JSON or YAML), given as ``option``.

    Raises:
        UsageError: Unreadable, unparseable, or not an object.
    """
    if raw is None:
        return None
    if raw.startswith("@"):
        path = Path(raw[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise UsageError(f"{option}: cannot read {path}: {err.strerror or err}") from None
        try:
            value = load_yaml(text)
        except yaml.YAMLError as err:
            raise UsageError(f"{option}: {path} is not JSON or YAML: {err}") from None
    else:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as err:
            raise UsageError(f"{option}: invalid JSON: {err}") from None
    if not isinstance(value, dict):
        raise UsageError(f'{option}: must be a JSON object, e.g. \'{{"name": "Ada"}}\'')
    return value


INLINE_INPUT_JSON_BYTES = MAX_INPUT_BYTES // 8
"""Largest input (compact JSON text) sent inline in ``create``: its ``Struct`` encoding, up to
about 5.5 times larger (a list of one-digit numbers), stays below ``MAX_INPUT_BYTES``."""


def uploaded_input(payload: dict[str, Any]) -> bytes | None:
    """The JSON text to upload apart (``uploadInput``, ADR 0033) when ``payload`` is too large
    for ``create``; None when it goes inline (building a ``Struct`` of megabytes takes
    seconds, and one above ``MAX_INPUT_BYTES`` is refused)."""
    text = json.dumps(payload, separators=(",", ":")).encode()
    return text if len(text) > INLINE_INPUT_JSON_BYTES else None


def parse_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    """``K=V`` pairs into a mapping (a later key wins).

    Raises:
        UsageError: A pair without ``=`` or with an empty key or value.
    """
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value:
            raise UsageError(f"{option}: expected KEY=VALUE, got {pair!r}")
        result[key.strip()] = value
    return result


def runtime_env(env: Sequence[str], secrets: Sequence[str]) -> dict[str, ec.ExecutionValue]:
    """The execution's ``runtime_env`` from --env and --secret (secrets flagged ``is_secret``).

    Raises:
        UsageError: A malformed pair, or a key given both as --env and --secret.
    """
    plain = parse_pairs(env, "--env")
    hidden = parse_pairs(secrets, "--secret")
    both = sorted(set(plain) & set(hidden))
    if both:
        raise UsageError(f"--env and --secret both set {', '.join(both)}")
    values = {k: ec.ExecutionValue(value=v, is_secret=False) for k, v in plain.items()}
    values.update({k: ec.ExecutionValue(value=v, is_secret=True) for k, v in hidden.items()})
    return values
