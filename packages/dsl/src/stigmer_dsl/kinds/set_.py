"""``set``: the task's output is the evaluated ``set`` value."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion


def _check(c: Checker, site: Site) -> Children:
    c.expression(f"{site.pointer}/set", site.spec["set"], whole=False)
    return LEAF


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("variables",))
    variables = c.mapping("variables")
    if variables is None:
        raise c.error("variables", "required")
    return TypedConversion({"set": variables})


KIND = TaskKind(
    id="set",
    key="set",
    mapping=ProtoMapping("SET", "set", typed=_typed),
    check=_check,
    task_type="WORKFLOW_TASK_TRANSFORM",
)
