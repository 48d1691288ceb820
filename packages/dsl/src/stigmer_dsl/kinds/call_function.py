"""``call: <name>``: a custom function from ``use.functions``, run as a task with ``with``."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind
from stigmer_dsl.pointers import escape_pointer_token


def _check(c: Checker, site: Site) -> Children:
    pointer = site.pointer
    target = str(site.spec["call"])
    functions = c.use.get("functions") or {}
    if target not in functions:
        reason = (
            "function catalogs are not supported yet"
            if "@" in target
            else "it is not defined in use.functions"
        )
        c.problem(f"{pointer}/call", f"cannot call function {target!r}: {reason}")
        return LEAF
    c.expression(f"{pointer}/with", site.spec.get("with") or {}, whole=False)
    at = f"/use/functions/{escape_pointer_token(target)}"
    if not c.function_entered(target):
        c.problem(f"{pointer}/call", f"function {target!r} calls itself (recursion)")
        return LEAF
    try:
        function = c.task(target, functions[target], at, [target], site.variables)
    finally:
        c.function_left(target)
    return Children(do=(function,))


KIND = TaskKind(
    id="call.function",
    key="call",
    mapping=ProtoMapping("CALL_FUNCTION", "call"),
    check=_check,
    task_type="WORKFLOW_TASK_API_CALL",
)
