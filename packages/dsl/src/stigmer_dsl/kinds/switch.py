"""``switch``: the first case whose ``when`` holds (else the default case) picks the directive."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion, prefixed
from stigmer_dsl.pointers import escape_pointer_token


def _check(c: Checker, site: Site) -> Children:
    defaults = 0
    for index, item in enumerate(site.spec["switch"]):
        case_name, case = next(iter(item.items()))
        at = f"{site.pointer}/switch/{index}/{escape_pointer_token(case_name)}"
        if "when" in case:
            c.expression(f"{at}/when", case["when"], whole=True)
        else:
            defaults += 1
        c.flow(f"{at}/then", case.get("then"), site.names)
    if defaults > 1:
        c.problem(f"{site.pointer}/switch", "only one default case (without 'when') is allowed")
    return LEAF


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("cases",))
    cases = c.get("cases")
    if not isinstance(cases, list) or not cases:
        raise c.error("cases", "required (a non-empty list)")
    result: list[dict[str, Json]] = []
    for index, case in enumerate(cases):
        if not isinstance(case, Mapping):
            raise c.error(f"cases[{index}]", "must be an object")
        k = TypedConfig(case, where, ("name", "when", "then"))
        prefix = f"cases[{index}]."
        name = prefixed(k, prefix, "name") or f"case{index}"
        then = prefixed(k, prefix, "then", required=True)
        when = prefixed(k, prefix, "when")
        body: dict[str, Json] = {}
        if when is not None:
            body["when"] = when
        body["then"] = then
        result.append({name: body})
    return TypedConversion({"switch": result})


KIND = TaskKind(
    id="switch",
    key="switch",
    mapping=ProtoMapping("SWITCH", "switch", typed=_typed),
    check=_check,
    task_type="WORKFLOW_TASK_CONDITIONAL",
)
