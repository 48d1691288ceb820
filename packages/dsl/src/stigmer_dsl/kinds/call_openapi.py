"""``call: openapi``: an operation of an OpenAPI document, resolved and called by an activity."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind


def _check(c: Checker, site: Site) -> Children:
    args = site.spec.get("with") or {}
    for key, value in args.items():
        c.expression(
            f"{site.pointer}/with/{key}", value, whole=False, secrets_ok=key == "authentication"
        )
    c.authentication(f"{site.pointer}/with/authentication", args.get("authentication"))
    return LEAF


KIND = TaskKind(
    id="call.openapi",
    key="call",
    variant="openapi",
    mapping=ProtoMapping("CALL_OPENAPI", "call", "openapi"),
    check=_check,
    task_type="WORKFLOW_TASK_API_CALL",
    secret_sites="call openapi: with.authentication",
)
