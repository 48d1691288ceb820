"""``run: script``: a Python or JavaScript script run by an activity (allowed per worker)."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import LEAF, Checker, Children, Site, TaskKind
from stigmer_dsl.kinds._run import (
    PROCESS_SECRET_SITES,
    RUN,
    check_process_inputs,
    check_return,
)

_SCRIPT_LANGUAGES = ("python", "js", "javascript")


def _check(c: Checker, site: Site) -> Children:
    check_return(c, site)
    at = f"{site.pointer}/run/script"
    body = check_process_inputs(c, site, "script")
    language = str(body.get("language", "")).lower()
    if language not in _SCRIPT_LANGUAGES:
        c.problem(
            f"{at}/language",
            f"script language {language!r} is not supported (js, javascript, python)",
        )
    if body.get("code") is None and body.get("source") is None:
        c.problem(at, "a script needs code or source")
    return LEAF


KIND = TaskKind(
    id="run.script",
    key="run",
    variant="script",
    mapping=RUN,
    check=_check,
    secret_sites=PROCESS_SECRET_SITES,
)
