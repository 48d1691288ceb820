"""``call: activity`` (Zigflow's extension): run a Temporal activity the operator allows."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion


def _check(c: Checker, site: Site) -> Children:
    pointer = site.pointer
    args = site.spec.get("with") or {}
    c.expression(f"{pointer}/with", args, whole=False)
    if not isinstance(args.get("name"), str) or not args.get("name"):
        c.problem(f"{pointer}/with/name", "call: activity needs with.name (a string)")
    arguments = args.get("arguments", [])
    if not isinstance(arguments, list | dict | str):
        c.problem(f"{pointer}/with/arguments", "arguments must be a list or object")
    c.activity_allowed(pointer, args)
    return LEAF


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("activity", "input"))
    with_: dict[str, Json] = {"name": c.string("activity", required=True)}
    payload = c.get("input")
    if payload is not None:
        with_["arguments"] = [payload]
    return TypedConversion({"call": "activity", "with": with_})


KIND = TaskKind(
    id="call.activity",
    key="call",
    variant="activity",
    mapping=ProtoMapping("CALL_ACTIVITY", "call", "activity", typed=_typed),
    check=_check,
)
