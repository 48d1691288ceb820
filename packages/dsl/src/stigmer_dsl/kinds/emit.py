"""``emit``: build a CloudEvent and deliver it; the output is the event."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import LEAF, Checker, Children, ProtoMapping, Site, TaskKind


def _check(c: Checker, site: Site) -> Children:
    c.expression(f"{site.pointer}/emit/event/with", site.spec["emit"]["event"], whole=False)
    return LEAF


KIND = TaskKind(
    id="emit",
    key="emit",
    mapping=ProtoMapping("EMIT", "emit"),
    check=_check,
    task_type="WORKFLOW_TASK_API_CALL",
)
