"""``run: shell``: a command run by an activity (allowed per worker)."""

from __future__ import annotations

from stigmer_dsl import expressions
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, Site, TaskKind
from stigmer_dsl.kinds._run import (
    PROCESS_SECRET_SITES,
    RUN,
    check_process_inputs,
    check_return,
)


def _check(c: Checker, site: Site) -> Children:
    check_return(c, site)
    at = f"{site.pointer}/run/shell"
    body = check_process_inputs(c, site, "shell")
    if expressions.is_runtime_expression(body.get("command")):
        c.expression(f"{at}/command", body["command"], whole=False)
    return LEAF


KIND = TaskKind(
    id="run.shell",
    key="run",
    variant="shell",
    mapping=RUN,
    check=_check,
    secret_sites=PROCESS_SECRET_SITES,
)
