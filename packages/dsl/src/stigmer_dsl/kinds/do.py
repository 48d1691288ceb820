"""``do``: run sub-tasks in sequence."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import Checker, Children, ProtoMapping, Site, TaskKind


def _check(c: Checker, site: Site) -> Children:
    return Children(do=c.task_list(site.spec["do"], f"{site.pointer}/do", site.variables))


KIND = TaskKind(
    id="do", key="do", mapping=ProtoMapping("DO", "do", task_lists=(("do",),)), check=_check
)
