"""``wait``: a durable timer; the output is the input."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion


def _check(c: Checker, site: Site) -> Children:
    c.duration(f"{site.pointer}/wait", site.spec["wait"])
    return LEAF


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("seconds",))
    seconds = c.get("seconds")
    if seconds is None:
        raise c.error("seconds", "required")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise c.error("seconds", "must be an integer >= 1")
    return TypedConversion({"wait": {"seconds": seconds}})


KIND = TaskKind(
    id="wait", key="wait", mapping=ProtoMapping("WAIT", "wait", typed=_typed), check=_check
)
