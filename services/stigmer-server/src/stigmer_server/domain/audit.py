"""Audit stamping of ``status.audit`` (spec_audit / status_audit)."""

from __future__ import annotations

from datetime import datetime

from stigmer_protos.ai.stigmer.commons import apiresource as ar

SYSTEM_ACTOR = "system"
EVENT_CREATED = "created"
EVENT_UPDATED = "updated"


def _actor() -> ar.ApiResourceAuditActor:
    return ar.ApiResourceAuditActor(id=SYSTEM_ACTOR)


def created_audit(now: datetime) -> ar.ApiResourceAudit:
    """Audit of a freshly created resource: both halves "created" at ``now`` by the system."""

    def info() -> ar.ApiResourceAuditInfo:
        return ar.ApiResourceAuditInfo(
            created_by=_actor(),
            created_at=now,
            updated_by=_actor(),
            updated_at=now,
            event=EVENT_CREATED,
        )

    return ar.ApiResourceAudit(spec_audit=info(), status_audit=info())


def touched(info: ar.ApiResourceAuditInfo | None, now: datetime) -> ar.ApiResourceAuditInfo:
    """Return ``info`` marked "updated" at ``now``, keeping its creation stamp.

    Args:
        info: The current half of the audit (spec or status); may be missing.
        now: Update time.
    """
    created_at = info.created_at if info is not None and info.created_at is not None else now
    created_by = info.created_by if info is not None and info.created_by is not None else _actor()
    return ar.ApiResourceAuditInfo(
        created_by=created_by,
        created_at=created_at,
        updated_by=_actor(),
        updated_at=now,
        event=EVENT_UPDATED,
    )


def spec_updated(audit: ar.ApiResourceAudit | None, now: datetime) -> ar.ApiResourceAudit:
    """Return ``audit`` with its spec half marked updated at ``now``."""
    current = audit or ar.ApiResourceAudit()
    return ar.ApiResourceAudit(
        spec_audit=touched(current.spec_audit, now), status_audit=current.status_audit
    )


def status_updated(audit: ar.ApiResourceAudit | None, now: datetime) -> ar.ApiResourceAudit:
    """Return ``audit`` with its status half marked updated at ``now``."""
    current = audit or ar.ApiResourceAudit()
    return ar.ApiResourceAudit(
        spec_audit=current.spec_audit, status_audit=touched(current.status_audit, now)
    )
