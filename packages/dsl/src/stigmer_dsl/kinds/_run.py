"""What the ``run`` kinds share: one proto kind, the ``return`` check, the typed config."""

from __future__ import annotations

import re
from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion

_RUN_RETURNS = ("stdout", "stderr", "code", "all", "none")
_WORKFLOW_REF = re.compile(r"^(?:(?P<ns>[^/]+)/)?(?P<name>[^/:@]+)(?:[:@](?P<version>.+))?$")


def check_return(c: Checker, site: Site) -> Children:
    """Check ``run.return`` (every process kind has it)."""
    process = site.spec["run"]
    if process.get("return", "stdout") not in _RUN_RETURNS:
        c.problem(f"{site.pointer}/run/return", f"return must be one of {', '.join(_RUN_RETURNS)}")
    return LEAF


def check_process_inputs(c: Checker, site: Site, variant: str) -> Mapping[str, Json]:
    """Check the inputs of a ``shell`` or ``script`` process (``$secrets`` allowed); its body."""
    body: Mapping[str, Json] = site.spec["run"].get(variant) or {}
    for key in ("stdin", "arguments", "environment"):
        if key in body:
            c.expression(
                f"{site.pointer}/run/{variant}/{key}", body[key], whole=False, secrets_ok=True
            )
    return body


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    c = TypedConfig(config, where, ("workflow", "input"))
    ref = c.string("workflow", required=True)
    assert ref is not None
    match = _WORKFLOW_REF.match(ref)
    if not match:
        raise c.error("workflow", "must be '[namespace/]name[:version]'")
    workflow: dict[str, Json] = {
        "namespace": match["ns"] or "default",
        "name": match["name"],
        "version": match["version"] or "latest",
    }
    payload = c.mapping("input")
    if payload is not None:
        workflow["input"] = payload
    return TypedConversion({"run": {"workflow": workflow}})


PROCESS_SECRET_SITES = "run shell/script: environment, arguments, stdin"
"""Where a ``shell`` or ``script`` process may read ``$secrets`` (its activity evaluates them)."""

RUN = ProtoMapping("RUN", "run", typed=_typed)
"""The one proto kind of every ``run`` variant (the DSL key tells them apart)."""
