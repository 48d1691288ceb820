"""``listen``: consume CloudEvents (one / all / any, until), optionally ``foreach``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from stigmer_dsl import expressions, filter_patterns
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion, prefixed
from stigmer_dsl.pointers import escape_pointer_token

if TYPE_CHECKING:
    from stigmer_dsl.loader import TaskNode

_READ_MODES = ("data", "envelope", "raw")


def _check(c: Checker, site: Site) -> Children:
    spec, pointer = site.spec, site.pointer
    listen = spec["listen"]
    at = f"{pointer}/listen"
    _strategy(c, f"{at}/to", listen["to"], top=True)
    if listen.get("read", "data") not in _READ_MODES:
        c.problem(f"{at}/read", f"read must be one of {', '.join(_READ_MODES)}")
    foreach = spec.get("foreach") or listen.get("foreach")
    children: tuple[TaskNode, ...] = ()
    if isinstance(foreach, dict):
        fpointer = f"{pointer}/foreach" if "foreach" in spec else f"{at}/foreach"
        names = {str(foreach.get("item", "item")), str(foreach.get("at", "index"))}
        for var in names:
            if not expressions.is_identifier(var):
                c.problem(fpointer, f"{var!r} is not a valid variable name")
        c.data_io(fpointer, foreach)
        children = c.task_list(foreach.get("do") or [], f"{fpointer}/do", site.variables | names)
    return Children(do=children)


def _strategy(c: Checker, pointer: str, strategy: Json, *, top: bool) -> None:
    if not isinstance(strategy, dict):
        c.problem(pointer, "expected an event consumption strategy")
        return
    filters: list[tuple[str, Json]] = []
    if "one" in strategy:
        filters.append((f"{pointer}/one", strategy["one"]))
    for key in ("all", "any"):
        for index, item in enumerate(strategy.get(key) or []):
            filters.append((f"{pointer}/{key}/{index}", item))
    for at, item in filters:
        if isinstance(item, dict) and item.get("correlate") is not None:
            _correlate(c, f"{at}/correlate", item["correlate"])
        if isinstance(item, dict):
            c.expression(f"{at}/with", item.get("with") or {}, whole=False)
            _patterns(c, f"{at}/with", item.get("with") or {})
    until = strategy.get("until")
    if until is None:
        return
    if not top:
        c.problem(f"{pointer}/until", "nested until is not allowed")
    elif isinstance(until, str):
        c.expression(f"{pointer}/until", until, whole=True)
    elif isinstance(until, dict):
        _strategy(c, f"{pointer}/until", until, top=False)


def _correlate(c: Checker, pointer: str, correlate: Json) -> None:
    """``correlate``: key -> ``{from: expression on the event, expect: constant or expression}``."""
    if not isinstance(correlate, dict):
        c.problem(pointer, "expected a mapping of correlation names to {from, expect}")
        return
    for name, item in correlate.items():
        at = f"{pointer}/{escape_pointer_token(str(name))}"
        if not isinstance(item, dict) or not isinstance(item.get("from"), str):
            c.problem(at, "a correlation needs 'from', a runtime expression")
            continue
        c.expression(f"{at}/from", item["from"], whole=True)
        if "expect" in item:
            c.expression(f"{at}/expect", item["expect"], whole=False)


def _patterns(c: Checker, pointer: str, properties: Mapping[str, Json]) -> None:
    for key, value in properties.items():
        pattern = filter_patterns.pattern_of(value)
        problem = None if pattern is None else filter_patterns.pattern_problem(pattern)
        if problem:
            c.problem(f"{pointer}/{escape_pointer_token(str(key))}", problem)


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("to",))
    to = c.mapping("to")
    if to is None:
        raise c.error("to", "required")
    t = TypedConfig(to, where, ("mode", "signals"))
    signals = t.get("signals")
    if not isinstance(signals, list) or not signals:
        raise c.error("to.signals", "required (a non-empty list)")
    filters: list[dict[str, Json]] = []
    for index, signal in enumerate(signals):
        if not isinstance(signal, Mapping):
            raise c.error(f"to.signals[{index}]", "must be an object")
        s = TypedConfig(signal, where, ("id", "type"))
        sid = prefixed(s, f"to.signals[{index}].", "id", required=True)
        stype = prefixed(s, f"to.signals[{index}].", "type") or "signal"
        if stype not in ("signal", "query", "update"):
            raise c.error(f"to.signals[{index}].type", "must be signal, query or update")
        filters.append({"with": {"id": sid, "type": stype}})
    mode = t.string("mode") or ("one" if len(filters) == 1 else "all")
    if mode == "one":
        if len(filters) != 1:
            raise c.error("to.mode", "'one' needs exactly one signal")
        strategy: dict[str, Json] = {"one": filters[0]}
    elif mode in ("all", "any"):
        strategy = {mode: filters}
    else:
        raise c.error("to.mode", f"must be one, all or any, got {mode!r}")
    return TypedConversion({"listen": {"to": strategy}})


KIND = TaskKind(
    id="listen",
    key="listen",
    mapping=ProtoMapping("LISTEN", "listen", task_lists=(("foreach", "do"),), typed=_typed),
    check=_check,
    task_type="WORKFLOW_TASK_APPROVAL",
)
