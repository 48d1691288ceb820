"""``for``: iterate a collection; each iteration's output is the next one's input."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl import expressions
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion

ITERATION = "for.iteration"
"""The progress kind of one iteration's row (``<task_id>[i]``)."""


def _check(c: Checker, site: Site) -> Children:
    spec, pointer = site.spec, site.pointer
    loop = spec["for"]
    c.expression(f"{pointer}/for/in", loop["in"], whole=True)
    if "while" in spec:
        c.expression(f"{pointer}/while", spec["while"], whole=True)
    names = []
    for key, default in (("each", "item"), ("at", "index")):
        var = str(loop.get(key, default))
        if not expressions.is_identifier(var):
            c.problem(f"{pointer}/for/{key}", f"{var!r} is not a valid variable name")
        names.append(var)
    return Children(do=c.task_list(spec["do"], f"{pointer}/do", site.variables | set(names)))


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("each", "in", "do"))
    loop: dict[str, Json] = {}
    each = c.string("each")
    if each is not None:
        loop["each"] = each
    loop["in"] = c.string("in", required=True)
    return TypedConversion({"for": loop, "do": c.tasks("do")})


KIND = TaskKind(
    id="for",
    key="for",
    mapping=ProtoMapping("FOR", "for", task_lists=(("do",),), typed=_typed),
    check=_check,
)
