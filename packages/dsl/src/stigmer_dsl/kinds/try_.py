"""``try``/``catch``: error filters, retry policies and ``catch.do``.

No typed config: ``TryTaskConfig`` JSON already *is* the canonical body
(``{"try": [...], "catch": {"as", "do": [...]}}``).
"""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl import expressions
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import Checker, Children, ProtoMapping, Site, TaskKind


def _check(c: Checker, site: Site) -> Children:
    spec, pointer = site.spec, site.pointer
    catch = spec["catch"]
    var = str(catch.get("as", "error"))
    if not expressions.is_identifier(var):
        c.problem(f"{pointer}/catch/as", f"{var!r} is not a valid variable name")
    for key in ("when", "exceptWhen"):
        if key in catch:
            c.expression(f"{pointer}/catch/{key}", catch[key], whole=True)
    retry = catch.get("retry")
    if isinstance(retry, str):
        if retry not in (c.use.get("retries") or {}):
            c.problem(
                f"{pointer}/catch/retry", f"retry policy {retry!r} is not defined in use.retries"
            )
            retry = None
        else:
            retry = c.use["retries"][retry]
    if isinstance(retry, dict):
        _retry(c, f"{pointer}/catch/retry", retry)
    children = c.task_list(spec["try"], f"{pointer}/try", site.variables)
    handlers = c.task_list(catch.get("do") or [], f"{pointer}/catch/do", site.variables | {var})
    return Children(do=children, catch_do=handlers)


def _retry(c: Checker, pointer: str, policy: Mapping[str, Json]) -> None:
    for key in ("when", "exceptWhen"):
        if key in policy:
            c.expression(f"{pointer}/{key}", policy[key], whole=True)
    if "delay" in policy:
        c.duration(f"{pointer}/delay", policy["delay"])
    limit = policy.get("limit") or {}
    if "duration" in limit:
        c.duration(f"{pointer}/limit/duration", limit["duration"])
    attempt = limit.get("attempt") or {}
    if "duration" in attempt:
        c.duration(f"{pointer}/limit/attempt/duration", attempt["duration"])
    jitter = policy.get("jitter")
    if isinstance(jitter, dict):
        c.duration(f"{pointer}/jitter/from", jitter["from"])
        c.duration(f"{pointer}/jitter/to", jitter["to"])


KIND = TaskKind(
    id="try",
    key="try",
    mapping=ProtoMapping("TRY", "try", task_lists=(("try",), ("catch", "do"))),
    check=_check,
)
