"""``fork``: run branches concurrently; all of them or the first to finish (compete)."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import KIND_PREFIX, TypedConfig, TypedConversion, prefixed


def _check(c: Checker, site: Site) -> Children:
    branches = c.task_list(
        site.spec["fork"]["branches"], f"{site.pointer}/fork/branches", site.variables
    )
    return Children(branches=branches)


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("branches", "compete"))
    raw = c.get("branches")
    if not isinstance(raw, list) or not raw:
        raise c.error("branches", "required (a non-empty list)")
    branches: list[Json] = []
    for index, branch in enumerate(raw):
        if not isinstance(branch, Mapping):
            raise c.error(f"branches[{index}]", "must be an object")
        b = TypedConfig(branch, where, ("name", "do"))
        name = prefixed(b, f"branches[{index}].", "name", required=True)
        # A branch is a named task list: in the DSL, a branch task whose body is `do`.
        branches.append(
            {"name": name, "kind": f"{KIND_PREFIX}DO", "taskConfig": {"do": b.tasks("do")}}
        )
    fork: dict[str, Json] = {"branches": branches}
    compete = c.get("compete")
    if compete is not None:
        if not isinstance(compete, bool):
            raise c.error("compete", "must be a boolean")
        fork["compete"] = compete
    return TypedConversion({"fork": fork})


KIND = TaskKind(
    id="fork",
    key="fork",
    mapping=ProtoMapping("FORK", "fork", task_lists=(("fork", "branches"),), typed=_typed),
    check=_check,
    task_type="WORKFLOW_TASK_PARALLEL",
)
