"""``run: workflow``: a subflow, resolved by stigmer-server and run as a child workflow (ADR 0036).

The document names the subflow by ``namespace``/``name``/``version`` only; which Workflow
resource that is, in which org, and where it runs is decided by the server and the runner.
"""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl import expressions
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, Site, TaskKind
from stigmer_dsl.kinds._run import RUN, check_return

REFERENCE_FIELDS = ("namespace", "name", "version")
"""The fields naming the subflow's document; plain strings (never expressions)."""


def _check(c: Checker, site: Site) -> Children:
    check_return(c, site)
    at = f"{site.pointer}/run/workflow"
    body: Mapping[str, Json] = site.spec["run"].get("workflow") or {}
    for key in REFERENCE_FIELDS:
        value = body.get(key)
        if not isinstance(value, str) or not value:
            c.problem(f"{at}/{key}", f"{key} is required (a non-empty string)")
        elif expressions.is_runtime_expression(value):
            c.problem(f"{at}/{key}", f"{key} must be a literal, not an expression")
    if "input" in body:
        c.expression(f"{at}/input", body["input"], whole=False)
    return LEAF


KIND = TaskKind(id="run.workflow", key="run", variant="workflow", mapping=RUN, check=_check)
