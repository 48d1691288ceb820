"""``raise``: fault with an inline error or one from ``use.errors``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stigmer_dsl.errors import ERROR_TYPE_PREFIX, STANDARD_STATUS
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion


def _check(c: Checker, site: Site) -> Children:
    error = site.spec["raise"]["error"]
    at = f"{site.pointer}/raise/error"
    if isinstance(error, str):
        if error not in (c.use.get("errors") or {}):
            c.problem(at, f"error {error!r} is not defined in use.errors")
    else:
        c.expression(at, error, whole=False)
    return LEAF


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("error", "message"))
    error = c.string("error", required=True)
    assert error is not None
    message = c.string("message")
    known = error.strip().lower().removesuffix("error").removesuffix("_").removesuffix("-")
    raised: dict[str, Any]
    if "://" in error:
        raised = {"type": error, "status": 500}
    elif known in STANDARD_STATUS:
        raised = {"type": ERROR_TYPE_PREFIX + known, "status": STANDARD_STATUS[known]}
        raised["title"] = error
    else:
        raised = {"type": ERROR_TYPE_PREFIX + "runtime", "status": 500, "title": error}
    if message is not None:
        raised["detail"] = message
    return TypedConversion({"raise": {"error": raised}})


KIND = TaskKind(
    id="raise", key="raise", mapping=ProtoMapping("RAISE", "raise", typed=_typed), check=_check
)
